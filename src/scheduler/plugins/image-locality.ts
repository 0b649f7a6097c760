import type { Plugin } from '../framework/plugin.js';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** Docker-style normalisation so `busybox` matches `docker.io/library/busybox:latest` in node.status.images. */
export function normalizedImageNames(image: string): string[] {
  const names = [image];
  const hasTag = /:[^/]+$/.test(image) || image.includes('@');
  const tagged = hasTag ? image : `${image}:latest`;
  names.push(tagged);
  const firstPart = tagged.split('/')[0]!;
  const hasRegistry = tagged.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (!hasRegistry) names.push(tagged.includes('/') ? `docker.io/${tagged}` : `docker.io/library/${tagged}`);
  return names;
}

/**
 * Favours nodes that already hold the pod's images, scaled by image size and by how many nodes have the image
 * (kube-scheduler's ImageLocality, simplified to the node's own view).
 */
export const imageLocality: Plugin = {
  name: 'ImageLocality',
  score(ctx, node) {
    if (node.images.size === 0) return 0;
    let sum = 0;
    for (const image of ctx.pod.images) {
      for (const name of normalizedImageNames(image)) {
        const size = node.images.get(name);
        if (size !== undefined) { sum += size; break; }
      }
    }
    const maxThreshold = MAX_CONTAINER_THRESHOLD * Math.max(1, ctx.pod.images.length);
    const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), maxThreshold);
    return Math.round((100 * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
  },
};

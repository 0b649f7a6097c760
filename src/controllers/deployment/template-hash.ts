import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The template without the pod-template-hash label, for comparing a ReplicaSet's template with a Deployment's. */
export function templateWithoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

export function templatesEqual(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonical(templateWithoutHash(a)) === canonical(templateWithoutHash(b));
}

/** A stable short hash of a pod template (FNV-1a 32 over canonical JSON, encoded like Kubernetes' safe strings). */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  const text = canonical(templateWithoutHash(template)) + (collisionCount ? String(collisionCount) : '');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((d) => SAFE_ALPHABET[Number(d.charCodeAt(0)) % SAFE_ALPHABET.length]).join('');
}

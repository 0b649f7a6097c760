/** Picking the manifest for our platform out of an image index / manifest list. */
import type { Descriptor, Platform } from './media-types.js';

/** The platform this process runs on, in OCI terms (Node's `x64` is OCI's `amd64`). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The best entry for `want`: same os and architecture; an exact variant beats no variant beats another
 * variant (arm64 defaults to v8). Attestation manifests (`unknown/unknown`) never match.
 */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  let best: { d: Descriptor; score: number } | undefined;
  for (const d of manifests) {
    const p = d.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) continue;
    const wantVariant = want.variant ?? (want.architecture === 'arm64' ? 'v8' : undefined);
    const score = p.variant === wantVariant ? 2 : p.variant === undefined ? 1 : 0;
    if (want.variant && score === 0) continue;
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d;
}

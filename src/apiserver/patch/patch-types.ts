/**
 * The four PATCH media types kube-apiserver accepts, and one entry point that runs the matching engine (apply
 * excluded: it needs a field manager and returns managed fields, see server-side-apply.ts).
 */
import type { SchemaNode } from '../../api/schema/schema-node.js';
import type { JsonObject } from './json-value.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { strategicMerge } from './strategic-merge-patch.js';
import type { SchemaResolver } from './patch-schema.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const MEDIA_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The patch type of a Content-Type header (parameters ignored), or undefined: the server answers 415. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(MEDIA_TYPES, base) ? MEDIA_TYPES[base] : undefined;
}

export const PATCH_MEDIA_TYPES = Object.keys(MEDIA_TYPES);

/**
 * Applies a json, merge or strategic patch. Strategic needs the kind's schema; kube-apiserver refuses it (415)
 * for kinds without one (custom resources), which is the caller's decision.
 */
export function applyPatchOfType(
  type: Exclude<PatchType, 'apply'>,
  original: object,
  patch: unknown,
  schema?: SchemaNode,
  resolve?: SchemaResolver,
): JsonObject {
  switch (type) {
    case 'json': return applyJsonPatch(original, patch);
    case 'merge': return applyMergePatch(original, patch);
    case 'strategic': return strategicMerge(original, patch, schema, resolve);
  }
}

/**
 * TEMPORARY stand-in for src/api/schema/validate.ts: checks only the metadata types the server itself relies on.
 * Removed when the real validator lands.
 */
import { errors, type StatusCause } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';

export interface SchemaCheckResult {
  object: KubeObject;
  warnings: string[];
  causes: StatusCause[];
}

export function standInSchemaCheck(_definition: string, obj: Record<string, unknown>): SchemaCheckResult {
  const meta = obj['metadata'];
  if (meta !== undefined && !isObject(meta)) throw errors.badRequest('metadata: expected an object');
  const m = (meta ?? {}) as Record<string, unknown>;
  for (const field of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid']) {
    if (m[field] !== undefined && m[field] !== null && typeof m[field] !== 'string') {
      throw errors.badRequest(`metadata.${field}: expected a string, got ${JSON.stringify(m[field])}`);
    }
  }
  for (const field of ['labels', 'annotations']) {
    const v = m[field];
    if (v === undefined || v === null) continue;
    if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      throw errors.badRequest(`metadata.${field}: expected a map of strings`);
    }
  }
  if (m['finalizers'] !== undefined && m['finalizers'] !== null && (!Array.isArray(m['finalizers']) || m['finalizers'].some((x) => typeof x !== 'string'))) {
    throw errors.badRequest('metadata.finalizers: expected a list of strings');
  }
  obj['metadata'] = m;
  return { object: obj as KubeObject, warnings: [], causes: [] };
}

/**
 * TEMPORARY stand-in for src/apiserver/patch/ (being written in parallel): JSON patch via fast-json-patch,
 * RFC 7386 merge patch, and merge patch in place of strategic merge and server-side apply.
 */
import fastJsonPatch from 'fast-json-patch';
import { errors } from '../../api/errors.js';
import { isObject } from '../../api/object.js';

export function standInJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw errors.badRequest('a JSON patch must be a list of operations');
  try {
    return fastJsonPatch.applyPatch(target, patch as fastJsonPatch.Operation[], true, false).newDocument;
  } catch (err) {
    throw errors.badRequest(`the JSON patch could not be applied: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function standInMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = standInMergePatch(out[k], v);
  }
  return out;
}

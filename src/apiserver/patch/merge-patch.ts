/**
 * JSON Merge Patch (RFC 7386, `application/merge-patch+json`): objects merge recursively, `null` deletes,
 * anything else (lists included) replaces. The patch of a whole object must itself be an object.
 */
import { cloneJson, isJsonObject, own, type JsonObject, type JsonValue } from './json-value.js';
import { PatchError } from './patch-error.js';

/** RFC 7386 MergePatch(target, patch) on JSON values; returns new values, never changes its inputs. */
export function mergePatchValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (key !== '__proto__') out[key] = mergePatchValue(own(out, key), value);
  }
  return out;
}

/** Applies a merge patch (the parsed request body) to `original`. Throws PatchError (400) if it is not an object. */
export function applyMergePatch(original: object, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) {
    throw PatchError.malformed('a merge patch must be a JSON object, e.g. {"spec":{"replicas":3}}');
  }
  return mergePatchValue(cloneJson(original) as JsonObject, patch) as JsonObject;
}

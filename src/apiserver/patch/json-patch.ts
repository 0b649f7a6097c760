/**
 * JSON Patch (RFC 6902, `application/json-patch+json`) through fast-json-patch. As kube-apiserver: a document
 * that is not a list of operations is 400 BadRequest; an operation that does not apply (failed `test`, missing
 * path, bad op) is 422 Invalid; more than 10000 operations is 413.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError } from '../../api/errors.js';
import { cloneJson, isJsonObject, type JsonObject } from './json-value.js';
import { PatchError } from './patch-error.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const WHY: Record<string, string> = {
  TEST_OPERATION_FAILED: 'test operation failed: the value differs',
  OPERATION_PATH_UNRESOLVABLE: 'the path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'the "from" path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'cannot add at this path (its parent does not exist)',
  OPERATION_OP_INVALID: 'op must be one of add, remove, replace, move, copy, test',
  OPERATION_PATH_INVALID: 'path must be a string starting with "/"',
  OPERATION_FROM_REQUIRED: '"from" is required for move and copy',
  OPERATION_VALUE_REQUIRED: '"value" is required for add, replace and test',
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: '"value" is required for add, replace and test',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'an array index must be an unsigned base-10 integer or "-"',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'the array index is out of bounds',
};

function describe(op: unknown): string {
  if (!isJsonObject(op)) return '';
  const name = typeof op.op === 'string' ? op.op : '?';
  const path = typeof op.path === 'string' ? op.path : '?';
  return ` (${name} ${JSON.stringify(path)})`;
}

/** Applies `patch` (the parsed request body) to a copy of `original`; neither input is changed. */
export function applyJsonPatch(original: object, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) {
    throw PatchError.malformed('a JSON patch must be a JSON array of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":3}]');
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(413, 'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  patch.forEach((op, i) => {
    if (!isJsonObject(op)) throw PatchError.malformed(`JSON patch operation ${i} is not an object`);
  });
  const ops = cloneJson(patch) as Operation[];
  let result: unknown;
  try {
    result = applyPatch(cloneJson(original), ops, true, true).newDocument;
  } catch (e) {
    if (e instanceof JsonPatchError) {
      const index = typeof e.index === 'number' ? e.index : -1;
      const why = WHY[e.name] ?? e.message;
      throw PatchError.unprocessable(`JSON patch operation ${index}${describe(patch[index])} failed: ${why}`);
    }
    throw e;
  }
  if (!isJsonObject(result)) throw PatchError.unprocessable('the JSON patch must leave a JSON object, not replace it with another kind of value');
  return result;
}

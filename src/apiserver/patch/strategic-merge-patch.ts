/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following apimachinery
 * `pkg/util/strategicpatch/patch.go` (mergeMap / mergeSlice with MergeParallelList and IgnoreUnmatchedNulls, as
 * kube-apiserver calls it). Patch metadata comes from the OpenAPI schema:
 * - `null` deletes a key; maps merge recursively (unless the field's strategy is `replace`);
 * - lists whose strategy is `merge` merge element-by-element by `x-kubernetes-patch-merge-key`, or as a set when
 *   they hold primitives; every other list is replaced;
 * - directives: `$patch: replace|delete` (maps and list elements), `$deleteFromPrimitiveList/<f>`, `$retainKeys`,
 *   `$setElementOrder/<f>`.
 * Element order follows upstream: patch items keep the patch (or `$setElementOrder`) order, server-only items keep
 * the live order, and the two are interleaved by live order; a new item not yet live comes before the remaining
 * server-only items (so `containers: [{name: new}]` puts `new` first, exactly as kubectl's docs show).
 * Without a schema for a path, the patch behaves as a JSON merge patch there (plus the directives).
 */
import type { SchemaNode } from '../../api/schema/schema-node.js';
import { cloneJson, isJsonObject, jsonEqual, own, type JsonObject, type JsonValue } from './json-value.js';
import { describeNode, fieldMeta, identityResolver, itemSchema, NO_META, type FieldMeta, type SchemaResolver } from './patch-schema.js';
import { PatchError } from './patch-error.js';

export type { SchemaResolver } from './patch-schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

function show(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Applies `patch` (the parsed request body) to `original` and returns the result; neither input is changed.
 * `schema` describes `original` (e.g. the io.k8s.api.apps.v1.Deployment definition); undefined = no metadata.
 * Throws PatchError: 400 for a malformed patch, 422 for content that contradicts `$retainKeys`.
 */
export function strategicMerge(
  original: object,
  patch: unknown,
  schema: SchemaNode | undefined,
  resolve: SchemaResolver = identityResolver,
): JsonObject {
  if (!isJsonObject(patch)) {
    throw PatchError.malformed('a strategic merge patch must be a JSON object, e.g. {"spec":{"replicas":3}}');
  }
  return new Merger(resolve).mergeMap(cloneJson(original) as JsonObject, cloneJson(patch), schema);
}

class Merger {
  constructor(private readonly resolve: SchemaResolver) {}

  /** Merges `patch` into `original` (both private copies, changed in place) and returns the result. */
  mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined): JsonObject {
    if (DIRECTIVE in patch) {
      const directive = patch[DIRECTIVE];
      delete patch[DIRECTIVE];
      if (directive === 'replace') return this.mergeMap({}, patch, schema);
      if (directive === 'delete') return {};
      // Upstream rejects `$patch: merge` on a map; merging is what it would mean, so accept it.
      if (directive !== 'merge') throw PatchError.malformed(`unknown patch type: ${show(directive)} in map: ${show(patch)}`);
    }

    this.applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, schema);

    for (const [key, patchValue] of Object.entries(patch)) {
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        this.deleteFromPrimitiveList(original, key.slice(DELETE_FROM_PRIMITIVE_LIST.length), patchValue);
        continue;
      }
      if (patchValue === null) {
        delete original[key];
        continue;
      }
      const meta = fieldMeta(schema, key, this.resolve);
      const current = own(original, key);
      if (isJsonObject(current) && isJsonObject(patchValue)) {
        original[key] = meta.strategies.includes('replace')
          ? this.materialize(patchValue, meta)
          : this.mergeMap(current, patchValue, meta.schema);
      } else if (Array.isArray(current) && Array.isArray(patchValue)) {
        original[key] = this.mergeList(current, patchValue, meta);
      } else {
        original[key] = this.materialize(patchValue, meta);
      }
    }
    return original;
  }

  /** A patch value for a key the original lacks (or holds with another type): directives applied, nulls dropped. */
  private materialize(value: JsonValue, meta: FieldMeta): JsonValue {
    if (isJsonObject(value)) return this.mergeMap({}, value, meta.schema);
    if (Array.isArray(value)) return this.mergeList([], value, meta);
    return value;
  }

  private applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!(RETAIN_KEYS in patch)) return;
    const retain = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw PatchError.malformed('invalid patch format of retainKeys');
    const keep = new Set(retain.map((k) => String(k)));
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
      if (!keep.has(key)) {
        throw PatchError.unprocessable(`patch content doesn't match retainKeys list: ${show(key)} is set but not in $retainKeys ${show(retain)}`);
      }
    }
    for (const key of Object.keys(original)) {
      if (!keep.has(key)) delete original[key];
    }
  }

  private deleteFromPrimitiveList(original: JsonObject, field: string, toDelete: JsonValue): void {
    if (!Array.isArray(toDelete)) throw PatchError.malformed('invalid patch format of primitive list');
    const current = own(original, field);
    if (!Array.isArray(current)) return;
    original[field] = current.filter((v) => !toDelete.some((d) => jsonEqual(d, v)));
  }

  /**
   * `$setElementOrder/<field>`: merge the field's patch list now, then order the result: listed items in the
   * directive's order, the others where the live order puts them. Best effort; it never fails a patch.
   */
  private applySetElementOrder(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      const field = key.slice(SET_ELEMENT_ORDER.length);
      if (!Array.isArray(order)) continue;
      const meta = fieldMeta(schema, field, this.resolve);
      const liveValue = own(original, field);
      const live = Array.isArray(liveValue) ? liveValue : undefined;
      const patchList = own(patch, field);
      if (patchList !== undefined && !Array.isArray(patchList)) continue; // null or a scalar: the main loop handles it
      let merged: JsonValue[];
      if (live && patchList) merged = this.mergeList(live, patchList, meta);
      else if (patchList) merged = this.mergeList([], patchList, meta);
      else if (live) merged = live;
      else continue;
      delete patch[field];
      original[field] = this.orderBy(merged, order, live ?? [], meta.mergeKey);
    }
  }

  private orderBy(merged: JsonValue[], order: JsonValue[], live: JsonValue[], mergeKey: string | undefined): JsonValue[] {
    const key = elementKey(mergeKey);
    if (merged.some((v) => key(v) === undefined)) return merged;
    const inOrder = (v: JsonValue) => order.some((o) => jsonEqual(key(o), key(v)));
    return normalizeElementOrder(merged.filter(inOrder), merged.filter((v) => !inOrder(v)), order, live, key);
  }

  mergeList(original: JsonValue[], patch: JsonValue[], meta: FieldMeta): JsonValue[] {
    const elementMeta = itemSchema(meta) ? describeNode(itemSchema(meta)!, this.resolve) : NO_META;
    if (!meta.strategies.includes('merge')) {
      // Replaced whole: keep the patch's elements, minus stray directives and nulls inside maps.
      return patch.filter((v) => !isDirectiveOnly(v)).map((v) => (isJsonObject(v) ? this.mergeMap({}, v, elementMeta.schema) : v));
    }
    if (original.length === 0 && patch.length === 0) return original;
    if (patch.some(Array.isArray) || original.some(Array.isArray)) throw PatchError.unprocessable('lists of lists are not supported');

    const mergeKey = meta.mergeKey;
    const hasMaps = patch.some(isJsonObject) || original.some(isJsonObject);
    if (!hasMaps) {
      // A merging list of primitives is a set (finalizers).
      const merged: JsonValue[] = [];
      for (const v of [...original, ...patch]) if (!merged.some((m) => m === v)) merged.push(v);
      const key = elementKey(undefined);
      const inPatch = (v: JsonValue) => patch.some((p) => p === v);
      return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), patch, original, key);
    }
    if (!mergeKey) {
      throw PatchError.malformed('cannot merge lists of objects without a merge key: the schema declares patch strategy "merge" but no x-kubernetes-patch-merge-key');
    }
    if (!original.every(isJsonObject) || !patch.every(isJsonObject)) {
      throw PatchError.malformed(`list element types are not identical: ${show(original)} ${show(patch)}`);
    }

    // Special elements first: `{$patch: delete, <key>: v}` removes, `{$patch: replace}` replaces the whole list.
    let live = original as JsonObject[];
    const plain: JsonObject[] = [];
    let replace = false;
    for (const element of patch as JsonObject[]) {
      if (!(DIRECTIVE in element)) {
        plain.push(element);
        continue;
      }
      const directive = element[DIRECTIVE];
      if (directive === 'delete') {
        if (!(mergeKey in element)) throw PatchError.malformed(`map: ${show(element)} does not contain declared merge key: ${mergeKey}`);
        live = live.filter((v) => !jsonEqual(v[mergeKey], element[mergeKey]));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw PatchError.malformed('merging lists cannot yet be specified in the patch');
      } else {
        throw PatchError.malformed(`unknown patch type: ${show(directive)} in map: ${show(element)}`);
      }
    }
    if (replace) return plain.map((v) => this.mergeMap({}, v, elementMeta.schema));

    const merged: JsonObject[] = [...live];
    for (const element of plain) {
      if (!(mergeKey in element)) throw PatchError.malformed(`map: ${show(element)} does not contain declared merge key: ${mergeKey}`);
      const at = merged.findIndex((v) => jsonEqual(v[mergeKey], element[mergeKey]));
      if (at >= 0) merged[at] = this.mergeMap(merged[at]!, element, elementMeta.schema);
      else merged.push(this.mergeMap({}, element, elementMeta.schema));
    }
    const key = elementKey(mergeKey);
    const inPatch = (v: JsonValue) => plain.some((p) => jsonEqual(key(p), key(v)));
    return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), plain, live, key);
  }
}

function isDirectiveOnly(v: JsonValue): boolean {
  return isJsonObject(v) && Object.keys(v).length === 1 && DIRECTIVE in v;
}

type KeyOf = (v: JsonValue) => JsonValue | undefined;

/** Identity of a list element: its merge key value for maps, itself for primitives. */
function elementKey(mergeKey: string | undefined): KeyOf {
  if (!mergeKey) return (v) => (isJsonObject(v) || Array.isArray(v) ? undefined : v);
  return (v) => (isJsonObject(v) ? v[mergeKey] : undefined);
}

function indexIn(list: JsonValue[], v: JsonValue, key: KeyOf): number {
  const k = key(v);
  return list.findIndex((x) => jsonEqual(key(x), k));
}

/** Sorts `items` by their position in `order` (stable; items not found keep their place at the end). */
function sortByOrder(items: JsonValue[], order: JsonValue[], key: KeyOf): JsonValue[] {
  const pos = (v: JsonValue) => {
    const i = indexIn(order, v, key);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items.map((v, i) => ({ v, i, p: pos(v) })).sort((a, b) => a.p - b.p || a.i - b.i).map((x) => x.v);
}

/**
 * upstream normalizeElementOrder + mergeSortedSlice: patch items sorted by `patchOrder`, server-only items by
 * `serverOrder`, then interleaved: a server-only item goes first only when both are live and it is earlier.
 */
function normalizeElementOrder(
  patchItems: JsonValue[], serverOnly: JsonValue[], patchOrder: JsonValue[], serverOrder: JsonValue[], key: KeyOf,
): JsonValue[] {
  const right = sortByOrder(patchItems, patchOrder, key);
  const left = sortByOrder(serverOnly, serverOrder, key);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, key);
      const ri = indexIn(serverOrder, right[j]!, key);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

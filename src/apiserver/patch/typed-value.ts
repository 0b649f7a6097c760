/**
 * Schema-aware operations on objects for server-side apply (after structured-merge-diff `typed`): the field set
 * of an object, comparing two objects, merging an applied configuration into a live object, removing paths.
 *
 * List semantics come from the schema: `x-kubernetes-list-type: atomic` lists are replaced whole; lists with a
 * patch merge key (or `list-type: map`) are keyed by the merge key (else the list-map-keys); `list-type: set` and
 * `patch-strategy: merge` primitive lists are sets; any other list is atomic. Maps are granular unless
 * `x-kubernetes-map-type: atomic`. Unknown fields are treated as granular maps / atomic lists / scalars.
 */
import type { SchemaNode } from '../../api/schema/schema-node.js';
import { cloneJson, isJsonObject, jsonEqual, own, type JsonObject, type JsonValue } from './json-value.js';
import { fieldElement, FieldSet, keyElement, PathNode, valueElement, type FieldPath, type PathElement } from './field-set.js';
import { describeNode, fieldMeta, NO_META, type FieldMeta, type SchemaResolver } from './patch-schema.js';

export type ListKind =
  | { kind: 'atomic' } | { kind: 'set' }
  /** `altKeys`: the full list-map-keys, used when the merge key alone repeats (53/TCP and 53/UDP). */
  | { kind: 'map'; keys: readonly string[]; altKeys?: readonly string[] };

export function listKind(meta: FieldMeta): ListKind {
  if (meta.listType === 'atomic') return { kind: 'atomic' };
  const merges = meta.strategies.includes('merge');
  // One merge key rather than all list-map-keys: an applied item rarely spells out defaulted keys (protocol).
  if (meta.mergeKey && (merges || meta.listType === 'map')) {
    const alt = meta.listMapKeys && meta.listMapKeys.length > 1 ? { altKeys: meta.listMapKeys } : {};
    return { kind: 'map', keys: [meta.mergeKey], ...alt };
  }
  if (meta.listType === 'map' && meta.listMapKeys?.length) return { kind: 'map', keys: meta.listMapKeys };
  if (meta.listType === 'set' || merges) return { kind: 'set' };
  return { kind: 'atomic' };
}

/** The path element of a list item, or undefined when the item cannot be identified. */
function itemElement(kind: ListKind, keys: readonly string[], item: JsonValue): PathElement | undefined {
  if (kind.kind === 'set') return isJsonObject(item) || Array.isArray(item) ? undefined : valueElement(item);
  if (kind.kind !== 'map' || !isJsonObject(item)) return undefined;
  const fields: Record<string, JsonValue> = {};
  for (const k of keys) {
    if (item[k] === undefined || item[k] === null) return undefined;
    fields[k] = item[k]!;
  }
  return keyElement(fields);
}

function elementsWith(kind: ListKind, keys: readonly string[], lists: JsonValue[][]): PathElement[][] | undefined {
  const out: PathElement[][] = [];
  for (const list of lists) {
    const pes: PathElement[] = [];
    for (const item of list) {
      const pe = itemElement(kind, keys, item);
      if (pe === undefined) return undefined;
      pes.push(pe);
    }
    if (kind.kind === 'map' && new Set(pes).size !== pes.length) return undefined;
    out.push(pes);
  }
  return out;
}

/**
 * Path elements of the items of each list, with one key choice for all of them (the merge key, else the full
 * list-map-keys when the merge key repeats). Undefined when items cannot be identified: the lists are atomic.
 */
function itemElements(kind: ListKind, ...lists: JsonValue[][]): PathElement[][] | undefined {
  if (kind.kind === 'atomic') return undefined;
  if (kind.kind === 'set') return elementsWith(kind, [], lists);
  return elementsWith(kind, kind.keys, lists) ?? (kind.altKeys ? elementsWith(kind, kind.altKeys, lists) : undefined);
}

/** What a walk needs about one field of an object. */
interface FieldInfo {
  readonly pe: PathElement;
  readonly meta: FieldMeta;
  /** A property the schema declares (as opposed to an entry of a map). */
  readonly declared: boolean;
}

// By parent FieldMeta (one per schema node and resolver); declared fields only, so user map keys never pile up.
const declaredFields = new WeakMap<FieldMeta, Map<string, FieldInfo>>();

export class TypedWalker {
  constructor(private readonly resolve: SchemaResolver) {}

  private child(meta: FieldMeta, key: string): FieldMeta {
    return fieldMeta(meta.schema, key, this.resolve);
  }

  private field(meta: FieldMeta, key: string): FieldInfo {
    let fields = declaredFields.get(meta);
    let info = fields?.get(key);
    if (info) return info;
    const declared = meta.schema?.properties !== undefined && Object.hasOwn(meta.schema.properties, key);
    info = { pe: fieldElement(key), meta: this.child(meta, key), declared };
    if (declared) {
      if (!fields) declaredFields.set(meta, (fields = new Map()));
      fields.set(key, info);
    }
    return info;
  }

  private element(meta: FieldMeta): FieldMeta {
    return meta.schema?.items ? describeNode(meta.schema.items, this.resolve) : NO_META;
  }

  rootMeta(schema: SchemaNode | undefined): FieldMeta {
    return schema ? describeNode(schema, this.resolve) : NO_META;
  }

  /**
   * Every path an object sets (ToFieldSet): scalars, atomic lists/maps, list items, map entries that are not
   * declared fields, and null or empty maps. With `leaves`, terminal nodes record their value (PathNode.leaf);
   * `maps` receives the paths of the granular maps (labels, annotations…) the object holds.
   */
  fieldSet(value: JsonObject, meta: FieldMeta, leaves = false, maps?: FieldPath[]): FieldSet {
    const set = new FieldSet();
    const root = set.root;
    const path: PathElement[] = [];
    const leaf = (node: PathNode, v: JsonValue) => {
      node.member = true;
      if (leaves) {
        node.leaf = true;
        node.value = v;
      }
    };
    const walk = (v: JsonValue, m: FieldMeta, node: PathNode): void => {
      if (isJsonObject(v)) {
        if (m.mapType === 'atomic' && node !== root) return leaf(node, v);
        if (maps && node !== root && isGranularMap(m)) maps.push(path.slice());
        for (const k of Object.keys(v)) {
          const child = v[k];
          if (child === undefined) continue; // absent, as in JSON
          const { pe, meta: childMeta, declared } = this.field(m, k);
          const childNode = node.child(pe);
          path.push(pe);
          walk(child, childMeta, childNode);
          path.pop();
          if (child === null || (isJsonObject(child) && hasNoKeys(child))) leaf(childNode, child);
          else if (!declared) childNode.member = true;
          node.prune(pe);
        }
        return;
      }
      if (Array.isArray(v)) {
        const kind = listKind(m);
        const pes = itemElements(kind, v)?.[0];
        if (!pes) return leaf(node, v);
        const em = this.element(m);
        for (let i = 0; i < v.length; i++) {
          const item = v[i]!;
          const itemNode = node.child(pes[i]!);
          if (kind.kind === 'set') leaf(itemNode, item);
          else {
            itemNode.member = true;
            path.push(pes[i]!);
            walk(item, em, itemNode);
            path.pop();
          }
        }
        return;
      }
      if (node !== root) leaf(node, v);
    };
    walk(value, meta, root);
    return set;
  }

  /** Added / removed / modified paths from `before` to `after` (upstream TypedValue.Compare). */
  compare(before: JsonObject, after: JsonObject, meta: FieldMeta): { added: FieldSet; removed: FieldSet; modified: FieldSet } {
    const b = this.fieldSet(before, meta, true);
    // With nothing before (a create), nothing can be modified: the new leaves need no recording.
    const afterMaps: FieldPath[] = [];
    const a = this.fieldSet(after, meta, !b.isEmpty(), afterMaps);
    const modified = new FieldSet([], b.isEmpty() ? undefined : changedLeaves(b.root, a.root));
    const removed = b.difference(a);
    const added = b.isEmpty() ? a : a.difference(b);
    // A map (labels, annotations…) that did not exist before is itself added, as a nil Go map upstream is.
    for (const path of afterMaps) if (valueAt(before, path) === undefined) added.add(path);
    return { added, removed, modified };
  }

  /** Merges an applied configuration into the live object (config wins; keyed lists merge; atomic parts replace). */
  merge(live: JsonValue | undefined, config: JsonValue, meta: FieldMeta): JsonValue {
    if (isJsonObject(config)) {
      if (!isJsonObject(live) || meta.mapType === 'atomic') return dropNulls(cloneJson(config));
      const out: JsonObject = { ...live };
      for (const [k, v] of Object.entries(config)) {
        if (v === null) delete out[k];
        else out[k] = this.merge(own(out, k), v, this.child(meta, k));
      }
      return out;
    }
    if (Array.isArray(config) && Array.isArray(live)) {
      const kind = listKind(meta);
      const both = itemElements(kind, live, config);
      if (!both) return cloneJson(config);
      const [lhsKeys, rhsKeys] = both as [PathElement[], PathElement[]];
      const em = this.element(meta);
      return mergeListOrder(lhsKeys, rhsKeys).map(({ key, from }) => {
        const l = live[lhsKeys.indexOf(key)];
        const r = config[rhsKeys.indexOf(key)];
        if (from === 'lhs') return l!;
        return kind.kind === 'map' && l !== undefined ? this.merge(l, r!, em) : cloneJson(r!);
      });
    }
    return cloneJson(config);
  }
}

/**
 * The trie of paths that are leaves on both sides with different values (walking both tries together), or
 * undefined when there are none.
 */
function changedLeaves(b: PathNode, a: PathNode): PathNode | undefined {
  let out: PathNode | undefined;
  if (b.leaf && a.leaf && !jsonEqual(b.value, a.value)) {
    out = new PathNode();
    out.member = true;
  }
  if (b.children && a.children) {
    for (const [pe, bChild] of b.children) {
      const aChild = a.children.get(pe);
      const changed = aChild && changedLeaves(bChild, aChild);
      if (changed) (out ??= new PathNode()).adopt(pe, changed);
    }
  }
  return out;
}

/** `Object.keys(obj).length === 0` without building the array. */
function hasNoKeys(obj: JsonObject): boolean {
  for (const key in obj) if (Object.hasOwn(obj, key)) return false;
  return true;
}

/** A map of user keys (additionalProperties) rather than a struct with declared fields. */
function isGranularMap(meta: FieldMeta): boolean {
  return meta.schema !== undefined && typeof meta.schema.additionalProperties === 'object' && meta.schema.properties === undefined
    && meta.mapType !== 'atomic';
}

function dropNulls(v: JsonValue): JsonValue {
  if (isJsonObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else dropNulls(child);
    }
  } else if (Array.isArray(v)) v.forEach(dropNulls);
  return v;
}

/**
 * Order of a merged keyed list (structured-merge-diff visitListItems): items only in the live list stay where
 * they are, shared items follow the applied order, new items come where the applied list puts them.
 */
export function mergeListOrder(lhs: PathElement[], rhs: PathElement[]): Array<{ key: PathElement; from: 'lhs' | 'rhs' | 'both' }> {
  const inL = new Set(lhs);
  const inR = new Set(rhs);
  const shared = rhs.filter((k) => inL.has(k));
  let next = shared.shift();
  const out: Array<{ key: PathElement; from: 'lhs' | 'rhs' | 'both' }> = [];
  const emitted = new Set<PathElement>();
  const emit = (key: PathElement, from: 'lhs' | 'rhs' | 'both') => {
    if (!emitted.has(key)) out.push({ key, from });
    emitted.add(key);
  };
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      const pe = lhs[l]!;
      if (pe === rhs[r]) {
        emit(pe, 'both');
        l++; r++;
        next = shared.shift();
        continue;
      }
      if (inR.has(pe) && next !== undefined && next !== pe) { l++; continue; }
    }
    if (l < lhs.length) {
      const pe = lhs[l]!;
      if (!inR.has(pe)) { emit(pe, 'lhs'); l++; continue; }
      if (emitted.has(pe) || r >= rhs.length) { l++; continue; }
    }
    if (r < rhs.length) {
      const pe = rhs[r]!;
      emit(pe, inL.has(pe) ? 'both' : 'rhs');
      r++;
      if (next === pe) next = shared.shift();
    }
  }
  return out;
}

function matchesElement(item: JsonValue, pe: PathElement): boolean {
  const body = pe.slice(2);
  if (pe.startsWith('k:')) {
    if (!isJsonObject(item)) return false;
    const fields = JSON.parse(body) as Record<string, JsonValue>;
    return Object.entries(fields).every(([k, v]) => jsonEqual(item[k], v));
  }
  if (pe.startsWith('v:')) return jsonEqual(item, JSON.parse(body) as JsonValue);
  return false;
}

/** The value at `path`, or undefined. */
export function valueAt(root: JsonValue, path: FieldPath): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const pe of path) {
    if (node === undefined) return undefined;
    if (pe.startsWith('f:')) node = isJsonObject(node) ? own(node, pe.slice(2)) : undefined;
    else if (pe.startsWith('i:')) node = Array.isArray(node) && /^\d+$/.test(pe.slice(2)) ? node[Number(pe.slice(2))] : undefined;
    else node = Array.isArray(node) ? node.find((item) => matchesElement(item, pe)) : undefined;
  }
  return node;
}

/** Removes the field or list item at `path` from `root` (changed in place); a path that is not there is ignored. */
export function removePath(root: JsonObject, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (last.startsWith('f:')) {
    if (isJsonObject(parent) && Object.hasOwn(parent, last.slice(2))) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = last.startsWith('i:') ? Number(last.slice(2)) : -1;
    for (let i = parent.length - 1; i >= 0; i--) {
      if (i === index || matchesElement(parent[i]!, last)) parent.splice(i, 1);
    }
  }
}

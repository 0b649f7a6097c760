/**
 * Sets of field paths as server-side apply tracks them (structured-merge-diff `fieldpath`), with the FieldsV1
 * encoding stored in `metadata.managedFields[].fieldsV1`:
 *   {"f:spec":{"f:replicas":{}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}
 * A path is a list of path elements: `f:<field>`, `k:<json of key fields>` (list item by key), `v:<json value>`
 * (set member) or `i:<index>`. `"."` marks that a node with children is itself in the set.
 *
 * Like upstream's fieldpath.Set, a set is a trie of path elements: set operations, FieldsV1 encoding and prefix
 * tests walk the tree instead of comparing whole paths.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: JsonValue): PathElement => `v:${JSON.stringify(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;

/** `k:{"name":"web"}` with key fields sorted by name, as upstream serializes them. */
export function keyElement(fields: Record<string, JsonValue>): PathElement {
  const names = Object.keys(fields);
  if (names.length === 1 && names[0] !== '__proto__') return `k:{${JSON.stringify(names[0])}:${JSON.stringify(fields[names[0]!])}}`;
  const sorted: Record<string, JsonValue> = {};
  for (const name of Object.keys(fields).sort()) sorted[name] = fields[name]!;
  return `k:${JSON.stringify(sorted)}`;
}

/** Human form used in conflict messages: `.spec.template.spec.containers[name="web"].image`. */
export function pathToString(path: FieldPath): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f': return `.${body}`;
      case 'i': return `[${body}]`;
      case 'v': return `[=${body}]`;
      case 'k': {
        const fields = JSON.parse(body) as Record<string, JsonValue>;
        return `[${Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      default: return pe;
    }
  }).join('');
}

/** Upstream's order of element kinds: fields, keys, values, indexes, anything else. */
function rank(pe: PathElement): number {
  switch (pe.charCodeAt(0)) {
    case 0x66: return 0; // f
    case 0x6b: return 1; // k
    case 0x76: return 2; // v
    case 0x69: return 3; // i
    default: return 4;
  }
}

function compareElements(a: PathElement, b: PathElement): number {
  if (a.charCodeAt(0) !== b.charCodeAt(0)) {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
  } else if (a.charCodeAt(0) === 0x69) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One trie node: `member` when the path leading here is in the set. A set keeps its trie pruned: every node but the
 * root has a member at or below it, so two sets are equal exactly when their tries are.
 */
export class PathNode {
  member = false;
  children: Map<PathElement, PathNode> | undefined = undefined;
  /** Set by TypedWalker.fieldSet when asked to: this path is terminal and holds `value` (for comparing objects). */
  leaf = false;
  value: JsonValue = null;

  /** The child for `pe`, created when missing. */
  child(pe: PathElement): PathNode {
    const children = (this.children ??= new Map());
    let node = children.get(pe);
    if (!node) children.set(pe, (node = new PathNode()));
    return node;
  }

  /** True when neither this node nor anything below it is in the set. */
  isEmpty(): boolean {
    return !this.member && this.children === undefined;
  }

  /** Drops child `pe` when nothing below it is in the set. */
  prune(pe: PathElement): void {
    if (this.children?.get(pe)?.isEmpty()) this.removeChild(pe);
  }

  removeChild(pe: PathElement): void {
    if (!this.children) return;
    this.children.delete(pe);
    if (this.children.size === 0) this.children = undefined;
  }

  /** Adds `node` as child `pe` unless it is empty. */
  adopt(pe: PathElement, node: PathNode): void {
    if (!node.isEmpty()) (this.children ??= new Map()).set(pe, node);
  }
}

function copy(node: PathNode): PathNode {
  const out = new PathNode();
  out.member = node.member;
  if (node.children) {
    const children = (out.children = new Map());
    for (const [pe, child] of node.children) children.set(pe, copy(child));
  }
  return out;
}

function union(a: PathNode, b: PathNode): PathNode {
  const out = new PathNode();
  out.member = a.member || b.member;
  if (a.children) {
    for (const [pe, child] of a.children) {
      const other = b.children?.get(pe);
      out.adopt(pe, other ? union(child, other) : copy(child));
    }
  }
  if (b.children) {
    for (const [pe, child] of b.children) if (!a.children?.has(pe)) out.adopt(pe, copy(child));
  }
  return out;
}

function intersection(a: PathNode, b: PathNode): PathNode {
  const out = new PathNode();
  out.member = a.member && b.member;
  if (a.children && b.children) {
    for (const [pe, child] of a.children) {
      const other = b.children.get(pe);
      if (other) out.adopt(pe, intersection(child, other));
    }
  }
  return out;
}

function difference(a: PathNode, b: PathNode): PathNode {
  const out = new PathNode();
  out.member = a.member && !b.member;
  if (a.children) {
    for (const [pe, child] of a.children) {
      const other = b.children?.get(pe);
      out.adopt(pe, other ? difference(child, other) : copy(child));
    }
  }
  return out;
}

function equal(a: PathNode, b: PathNode): boolean {
  if (a.member !== b.member || (a.children?.size ?? 0) !== (b.children?.size ?? 0)) return false;
  if (a.children) {
    for (const [pe, child] of a.children) {
      const other = b.children!.get(pe);
      if (!other || !equal(child, other)) return false;
    }
  }
  return true;
}

function sortedKeys(children: Map<PathElement, PathNode>): PathElement[] {
  const keys = [...children.keys()];
  if (keys.length < 2) return keys;
  // Elements of one kind other than indexes (the usual case) order as plain strings; sets decoded from FieldsV1
  // are in order already.
  const kind = keys[0]!.charCodeAt(0);
  if (kind === 0x69 || !keys.every((pe) => pe.charCodeAt(0) === kind)) return keys.sort(compareElements);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i++) ordered = keys[i - 1]! < keys[i]!;
  return ordered ? keys : keys.sort();
}

/** Member paths below `node` (whose own path is `prefix`), parents first. */
function collect(node: PathNode, prefix: PathElement[], out: FieldPath[]): void {
  if (node.member) out.push(prefix.slice());
  if (!node.children) return;
  for (const [pe, child] of node.children) {
    prefix.push(pe);
    collect(child, prefix, out);
    prefix.pop();
  }
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function encode(node: PathNode): JsonObject {
  const out: JsonObject = {};
  if (!node.children) return out;
  if (node.member) out['.'] = {};
  for (const pe of sortedKeys(node.children)) out[pe] = encode(node.children.get(pe)!);
  return out;
}

/** The node of a FieldsV1 object below the root: a member when it is empty or has ".". */
function decode(fields: JsonObject): PathNode {
  const node = new PathNode();
  const keys = Object.keys(fields);
  if (keys.length === 0) node.member = true;
  for (const pe of keys) {
    if (pe === '.') node.member = true;
    else if (isJsonObject(fields[pe])) node.adopt(pe, decode(fields[pe]));
  }
  return node;
}

/**
 * A set of paths, immutable by convention once built: operations return new sets, or one of their operands when
 * the other is empty, so a set must not change after it has been handed out.
 */
export class FieldSet {
  /** `root` lets builders (TypedWalker) fill a new set's trie directly; it must stay pruned. */
  constructor(paths: Iterable<FieldPath> = [], readonly root: PathNode = new PathNode()) {
    for (const p of paths) this.add(p);
  }

  add(path: FieldPath): void {
    let node = this.root;
    for (const pe of path) node = node.child(pe);
    node.member = true;
  }

  private find(path: FieldPath): PathNode | undefined {
    let node: PathNode | undefined = this.root;
    for (const pe of path) {
      node = node.children?.get(pe);
      if (!node) return undefined;
    }
    return node;
  }

  has(path: FieldPath): boolean {
    return this.find(path)?.member === true;
  }

  get size(): number {
    const count = (node: PathNode): number => {
      let n = node.member ? 1 : 0;
      if (node.children) for (const child of node.children.values()) n += count(child);
      return n;
    };
    return count(this.root);
  }

  isEmpty(): boolean {
    return this.root.isEmpty();
  }

  /** Member paths, parents before their children. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    collect(this.root, [], out);
    return out;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return new FieldSet([], union(this.root, other.root));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([], intersection(this.root, other.root));
  }

  difference(other: FieldSet): FieldSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    return new FieldSet([], difference(this.root, other.root));
  }

  equals(other: FieldSet): boolean {
    return equal(this.root, other.root);
  }

  /** True when `path` or anything below it is in the set. */
  hasPrefix(path: FieldPath): boolean {
    const node = this.find(path);
    return node !== undefined && !node.isEmpty();
  }

  /** Removes `path` itself from this set, keeping what lies below it. Only for sets nobody else holds yet. */
  delete(path: FieldPath): void {
    this.removeAt(path, false);
  }

  /** Removes `path` and everything below it from this set. Only for sets nobody else holds yet. */
  deleteSubtree(path: FieldPath): void {
    this.removeAt(path, true);
  }

  private removeAt(path: FieldPath, subtree: boolean): void {
    const trail: PathNode[] = [this.root];
    for (const pe of path) {
      const next = trail[trail.length - 1]!.children?.get(pe);
      if (!next) return;
      trail.push(next);
    }
    const node = trail[trail.length - 1]!;
    node.member = false;
    if (subtree) node.children = undefined;
    for (let i = path.length - 1; i >= 0; i--) trail[i]!.prune(path[i]!);
  }

  /** Paths sorted as upstream orders them (fields, keys, values, indexes; then lexically), parents first. */
  sorted(): FieldPath[] {
    // Whole paths are compared, not each node's children, so that when elements compare equal (`i:3`, `i:03`) the
    // shorter path still comes first. Only conflicts and pruning ask for this order.
    return this.paths().sort(comparePaths);
  }

  toFieldsV1(): JsonObject {
    return encode(this.root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const root = new PathNode();
    if (isJsonObject(fields)) {
      for (const pe of Object.keys(fields)) if (pe !== '.' && isJsonObject(fields[pe])) root.adopt(pe, decode(fields[pe]));
    }
    return new FieldSet([], root);
  }
}

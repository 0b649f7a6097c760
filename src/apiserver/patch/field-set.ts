/**
 * Sets of field paths as server-side apply tracks them (structured-merge-diff `fieldpath`), with the FieldsV1
 * encoding stored in `metadata.managedFields[].fieldsV1`:
 *   {"f:spec":{"f:replicas":{}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{}}}}}
 * A path is a list of path elements: `f:<field>`, `k:<json of key fields>` (list item by key), `v:<json value>`
 * (set member) or `i:<index>`. `"."` marks that a node with children is itself in the set.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: JsonValue): PathElement => `v:${JSON.stringify(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;

/** `k:{"name":"web"}` with key fields sorted by name, as upstream serializes them. */
export function keyElement(fields: Record<string, JsonValue>): PathElement {
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

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: PathElement, b: PathElement): number {
  const ra = RANK[a[0]!] ?? 4;
  const rb = RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An immutable-by-convention set of paths. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.add(p);
  }

  add(path: FieldPath): void {
    this.members.set(JSON.stringify(path), [...path]);
  }

  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  private static of(entries: Iterable<[string, FieldPath]>): FieldSet {
    const set = new FieldSet();
    for (const [key, path] of entries) set.members.set(key, path);
    return set;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.members, ...other.members]);
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of([...this.members].filter(([key]) => other.members.has(key)));
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of([...this.members].filter(([key]) => !other.members.has(key)));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.members.keys()].every((key) => other.members.has(key));
  }

  /** True when `path` or anything below it is in the set. */
  hasPrefix(path: FieldPath): boolean {
    return this.paths().some((p) => p.length >= path.length && path.every((pe, i) => p[i] === pe));
  }

  /** Paths sorted as upstream orders them (fields, keys, values, indexes; then lexically), parents first. */
  sorted(): FieldPath[] {
    return this.paths().sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const c = compareElements(a[i]!, b[i]!);
        if (c !== 0) return c;
      }
      return a.length - b.length;
    });
  }

  toFieldsV1(): JsonObject {
    interface Node { member: boolean; children: Map<string, Node> }
    const root: Node = { member: false, children: new Map() };
    for (const path of this.paths()) {
      let node = root;
      for (const pe of path) {
        let child = node.children.get(pe);
        if (!child) {
          child = { member: false, children: new Map() };
          node.children.set(pe, child);
        }
        node = child;
      }
      node.member = true;
    }
    const encode = (node: Node): JsonObject => {
      const out: JsonObject = {};
      if (node.member && node.children.size > 0) out['.'] = {};
      for (const pe of [...node.children.keys()].sort(compareElements)) out[pe] = encode(node.children.get(pe)!);
      return out;
    };
    return encode(root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]) => {
      if (!isJsonObject(node)) return;
      const keys = Object.keys(node);
      if (path.length > 0 && (keys.length === 0 || keys.includes('.'))) set.add(path);
      for (const pe of keys) if (pe !== '.') walk(node[pe], [...path, pe]);
    };
    walk(fields, []);
    return set;
  }
}

/**
 * The generated OpenAPI definitions (src/api/schema/definitions.json, written by scripts/generate-schemas.mjs from
 * kubernetes-types) and helpers to walk them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Definitions, SchemaNode } from './schema-node.js';

export type { Definitions, SchemaNode } from './schema-node.js';

const REF_PREFIX = '#/definitions/';

function loadDefinitions(): Definitions {
  // tsc copies the JSON next to the compiled module; running from the sources finds it beside this file too.
  const candidates = [
    new URL('./definitions.json', import.meta.url),
    new URL('../../../../src/api/schema/definitions.json', import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Definitions;
  }
  throw new Error('src/api/schema/definitions.json is missing: run `npm run generate:schemas` and rebuild');
}

/** Every definition, keyed by upstream name (e.g. 'io.k8s.api.core.v1.Pod'). Treat as read-only. */
export const definitions: Readonly<Definitions> = loadDefinitions();

/** The definition with this upstream name, or undefined. */
export function definition(name: string): SchemaNode | undefined {
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
}

/** Definition name a `$ref` points to ('#/definitions/X' → 'X'). */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

/**
 * Follows `$ref`s until a node without one. Keeps the referring node's own extensions (a property's
 * `x-kubernetes-patch-strategy`, description) on top of the target, as upstream does for `$ref` siblings.
 */
export function resolve(node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; current.$ref !== undefined; depth++) {
    const target = definition(refName(current.$ref));
    if (!target || depth > 32) throw new Error(`unresolvable schema reference ${current.$ref}`);
    const { $ref: _ignored, ...siblings } = current;
    current = Object.keys(siblings).length > 0 ? { ...target, ...siblings } : target;
  }
  return current;
}

/**
 * The schema found by walking `path` from a definition: object property names, and for lists and maps any
 * segment (a number or key) steps into the items / map values. `schemaAt('io.k8s.api.apps.v1.Deployment',
 * ['spec', 'template', 'spec', 'containers'])` gives the containers list with its merge key. The result keeps
 * the list/patch extensions of the field itself (resolved through $ref). Undefined when the path leaves the schema.
 */
export function schemaAt(definitionName: string, path: ReadonlyArray<string | number>): SchemaNode | undefined {
  const start = definition(definitionName);
  if (!start) return undefined;
  let node = resolve(start);
  for (const segment of path) {
    if (node.type === 'array' && node.items) {
      node = resolve(node.items);
      // An index steps into the items; a field name may skip the index (['containers', 'image']).
      if (typeof segment === 'number' || /^\d+$/.test(segment)) continue;
    }
    const property = typeof segment === 'string' ? node.properties?.[segment] : undefined;
    if (property) {
      node = resolve(property);
      continue;
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      node = resolve(node.additionalProperties);
      continue;
    }
    return undefined;
  }
  return node;
}

/** Names of definitions that are top-level kinds, with their group/version/kind. */
export function kindDefinitions(): Array<{ name: string; group: string; version: string; kind: string }> {
  const out: Array<{ name: string; group: string; version: string; kind: string }> = [];
  for (const [name, node] of Object.entries(definitions)) {
    for (const gvk of node['x-kubernetes-group-version-kind'] ?? []) out.push({ name, ...gvk });
  }
  return out;
}

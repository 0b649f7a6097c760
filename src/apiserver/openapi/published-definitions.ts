/**
 * The set of schema definitions an OpenAPI document publishes for some kinds: every definition their operations
 * name, and everything those reach through `$ref`. A served kind without a generated schema (none today) gets a
 * permissive placeholder so documents never hold a dangling reference.
 */
import { definitions as allDefinitions, refName } from '../../api/schema/index.js';
import type { Definitions, SchemaNode } from '../../api/schema/schema-node.js';
import type { ResourceKind } from '../../api/types.js';
import { listDefinitionOf, rootDefinitions } from './operations.js';

const OBJECT_META = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

function placeholderKind(kind: ResourceKind): SchemaNode {
  return {
    type: 'object',
    description: `${kind.kind} (${kind.group || 'core'}/${kind.version}); its schema is not published, any fields are accepted.`,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { $ref: OBJECT_META, description: "Standard object's metadata." },
    },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': [{ group: kind.group, kind: kind.kind, version: kind.version }],
  };
}

function placeholderList(kind: ResourceKind): SchemaNode {
  return {
    type: 'object',
    description: `${kind.listKind} is a list of ${kind.kind}.`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { $ref: LIST_META, description: 'Standard list metadata.' },
      items: { type: 'array', description: `List of ${kind.plural}.`, items: { $ref: `#/definitions/${kind.definition}` } },
    },
    'x-kubernetes-group-version-kind': [{ group: kind.group, kind: kind.listKind, version: kind.version }],
  };
}

function collectRefs(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const element of node) collectRefs(element, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out.push(refName(value));
    else collectRefs(value, out);
  }
}

/** Definitions (upstream names, v2 `#/definitions/` refs) published for `kinds`, sorted by name. */
export function publishedDefinitions(kinds: readonly ResourceKind[]): Definitions {
  const available: Definitions = { ...allDefinitions };
  for (const kind of kinds) {
    const own = available[kind.definition];
    const gvk = { group: kind.group, kind: kind.kind, version: kind.version };
    if (!own) available[kind.definition] = placeholderKind(kind);
    else if (!(own['x-kubernetes-group-version-kind'] ?? []).some((g) => g.group === gvk.group && g.kind === gvk.kind && g.version === gvk.version)) {
      available[kind.definition] = { ...own, 'x-kubernetes-group-version-kind': [...(own['x-kubernetes-group-version-kind'] ?? []), gvk] };
    }
    if (!available[listDefinitionOf(kind)]) available[listDefinitionOf(kind)] = placeholderList(kind);
  }
  const out: Definitions = {};
  const queue = rootDefinitions(kinds).filter((name) => available[name] !== undefined);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (out[name] !== undefined) continue;
    const node = available[name];
    if (!node) throw new Error(`OpenAPI: definition ${name} is referenced but not generated`);
    out[name] = node;
    const refs: string[] = [];
    collectRefs(node, refs);
    queue.push(...refs);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

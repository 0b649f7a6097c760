/**
 * Reading patch metadata (merge keys, patch strategies, list types) from OpenAPI SchemaNodes. Shared by the
 * strategic merge patch and server-side apply.
 */
import type { SchemaNode } from '../../api/schema/schema-node.js';

/** Dereferences `$ref` nodes (the schema module provides one bound to definitions.json). */
export type SchemaResolver = (node: SchemaNode) => SchemaNode;

export const identityResolver: SchemaResolver = (node) => node;

/** What a patch needs to know about one field. Everything is optional: an unknown field has no metadata. */
export interface FieldMeta {
  /** The field's schema with `$ref` resolved; undefined when the schema does not describe the field. */
  readonly schema?: SchemaNode;
  /** From x-kubernetes-patch-strategy, e.g. ['merge', 'retainKeys']. */
  readonly strategies: readonly string[];
  readonly mergeKey?: string;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly mapType?: 'atomic' | 'granular';
}

export const NO_META: FieldMeta = { strategies: [] };

// Schema nodes are read-only, so what a walk learns about them is cached per resolver.
const fieldCache = new WeakMap<SchemaResolver, WeakMap<SchemaNode, Map<string, FieldMeta>>>();
const nodeCache = new WeakMap<SchemaResolver, WeakMap<SchemaNode, FieldMeta>>();

function cacheFor<V>(caches: WeakMap<SchemaResolver, WeakMap<SchemaNode, V>>, resolve: SchemaResolver): WeakMap<SchemaNode, V> {
  let cache = caches.get(resolve);
  if (!cache) caches.set(resolve, (cache = new WeakMap()));
  return cache;
}

/** Metadata of `key` inside the object described by `parent` (a property, else additionalProperties). */
export function fieldMeta(parent: SchemaNode | undefined, key: string, resolve: SchemaResolver): FieldMeta {
  if (!parent) return NO_META;
  const cache = cacheFor(fieldCache, resolve);
  let fields = cache.get(parent);
  if (!fields) cache.set(parent, (fields = new Map()));
  let meta = fields.get(key);
  if (!meta) {
    const resolvedParent = resolve(parent);
    const declared = Object.hasOwn(resolvedParent.properties ?? {}, key) ? resolvedParent.properties![key]
      : (typeof resolvedParent.additionalProperties === 'object' ? resolvedParent.additionalProperties : undefined);
    meta = declared ? describeNode(declared, resolve) : NO_META;
    fields.set(key, meta);
  }
  return meta;
}

/** Metadata carried by a node itself (extensions may sit beside a `$ref` or on the referenced definition). */
export function describeNode(node: SchemaNode, resolve: SchemaResolver): FieldMeta {
  const cache = cacheFor(nodeCache, resolve);
  let meta = cache.get(node);
  if (!meta) cache.set(node, (meta = describeUncached(node, resolve)));
  return meta;
}

function describeUncached(node: SchemaNode, resolve: SchemaResolver): FieldMeta {
  const resolved = resolve(node);
  const pick = <K extends keyof SchemaNode>(k: K): SchemaNode[K] => node[k] ?? resolved[k];
  const strategy = pick('x-kubernetes-patch-strategy');
  const meta: {
    schema: SchemaNode; strategies: string[]; mergeKey?: string; listType?: 'atomic' | 'set' | 'map';
    listMapKeys?: readonly string[]; mapType?: 'atomic' | 'granular';
  } = {
    schema: resolved,
    strategies: strategy ? strategy.split(',').map((s) => s.trim()).filter(Boolean) : [],
  };
  const mergeKey = pick('x-kubernetes-patch-merge-key');
  if (mergeKey) meta.mergeKey = mergeKey;
  const listType = pick('x-kubernetes-list-type');
  if (listType) meta.listType = listType;
  const keys = pick('x-kubernetes-list-map-keys');
  if (keys) meta.listMapKeys = keys;
  const mapType = pick('x-kubernetes-map-type');
  if (mapType) meta.mapType = mapType;
  return meta;
}

/** Schema of the elements of a list field. */
export function itemSchema(meta: FieldMeta): SchemaNode | undefined {
  return meta.schema?.items;
}

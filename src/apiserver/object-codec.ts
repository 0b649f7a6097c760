/**
 * How objects live in the store: one key per object, JSON text without resourceVersion (that is the key's
 * modRevision, injected on every read so it can never disagree with the store).
 *   namespaced:      /<group or "core">/<plural>/<namespace>/<name>
 *   cluster-scoped:  /<group or "core">/<plural>/<name>
 */
import type { KeyValue } from '../store/store.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** ObjectMeta without the readonly markers of kubernetes-types: the server is the one that sets these fields. */
export type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export function metaOf(obj: KubeObject): MutableMeta {
  return obj.metadata as MutableMeta;
}

export function collectionPrefix(kind: ResourceKind, namespace?: string): string {
  const base = `/${kind.group || 'core'}/${kind.plural}/`;
  return kind.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(kind: ResourceKind, namespace: string | undefined, name: string): string {
  return kind.namespaced ? `/${kind.group || 'core'}/${kind.plural}/${namespace}/${name}` : `/${kind.group || 'core'}/${kind.plural}/${name}`;
}

/** Parses a stored value; the result is a fresh object the caller may change. */
export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  metaOf(obj).resourceVersion = String(kv.modRevision);
  return obj;
}

/** A stored object as `kind` serves it (converted when `kind` is another version of the stored kind). */
export function servedObject(kind: ResourceKind, stored: KubeObject): KubeObject {
  return kind.storage ? kind.storage.fromStorage(stored) : stored;
}

export function encodeObject(obj: KubeObject): string {
  const meta = metaOf(obj);
  const rv = meta.resourceVersion;
  delete meta.resourceVersion;
  try {
    return JSON.stringify(obj);
  } finally {
    if (rv !== undefined) meta.resourceVersion = rv;
  }
}

/** Key-order-insensitive deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!jsonEqual(ao[k], bo[k])) return false;
  return true;
}

/** True when anything outside metadata and status differs (what bumps metadata.generation). */
export function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!jsonEqual(a[k], b[k])) return true;
  }
  return false;
}

import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** Any Kubernetes-shaped object as it travels through the API server and the store. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Identifies a REST collection: `/api/v1/pods` is {group:'', version:'v1', plural:'pods'}. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export function apiVersionOf(ref: { group: string; version: string }): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

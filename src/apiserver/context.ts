/** What every request handler shares: the store, the kinds, admission hooks and the logger. */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';

/**
 * Server-side behaviour that runs inside writes, in registration order. A hook may change `obj` and throws an
 * ApiError to refuse. `released` undoes reservations made in `beforeCreate`/`beforeUpdate` when the write does
 * not happen (dry run, store error); `afterDelete` runs once the object is gone from the store.
 */
export interface AdmissionHook {
  beforeCreate?(kind: ResourceKind, obj: KubeObject, dryRun: boolean): Promise<void> | void;
  beforeUpdate?(kind: ResourceKind, obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void> | void;
  released?(kind: ResourceKind, obj: KubeObject): void;
  afterDelete?(kind: ResourceKind, obj: KubeObject): void;
}

export interface KindIndex {
  readonly all: readonly ResourceKind[];
  byResource(group: string, version: string, plural: string): ResourceKind | undefined;
  byKind(group: string, version: string, kind: string): ResourceKind | undefined;
}

export function indexKinds(kinds: readonly ResourceKind[]): KindIndex {
  const byResource = new Map<string, ResourceKind>();
  const byKind = new Map<string, ResourceKind>();
  for (const k of kinds) {
    byResource.set(`${k.group}/${k.version}/${k.plural}`, k);
    byKind.set(`${k.group}/${k.version}/${k.kind}`, k);
  }
  return {
    all: kinds,
    byResource: (g, v, p) => byResource.get(`${g}/${v}/${p}`),
    byKind: (g, v, k) => byKind.get(`${g}/${v}/${k}`),
  };
}

export interface ServerContext {
  store: Store;
  kinds: KindIndex;
  admission: AdmissionHook[];
  logger: Logger;
}

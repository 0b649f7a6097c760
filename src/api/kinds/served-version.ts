/**
 * Another version of a stored kind: same resource, names and verbs, its own schema, and a pair of conversions to
 * and from the storage version. Defaults, validation and the table are the storage kind's, applied to the
 * converted object (as Kubernetes does them on its internal version). Field selectors are the storage kind's:
 * lists and watches select on the stored object and convert what they return.
 */
import type { KubeObject } from '../object.js';
import type { ResourceKind } from '../types.js';

export interface ServedVersion {
  version: string;
  /** OpenAPI definition name of this version, e.g. 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'. */
  definition: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export function servedVersion(storage: ResourceKind, served: ServedVersion): ResourceKind {
  const { toStorage, fromStorage } = served;
  return {
    ...storage,
    version: served.version,
    definition: served.definition,
    applyDefaults(obj) {
      const stored = toStorage(obj);
      storage.applyDefaults(stored);
      const back = fromStorage(stored);
      for (const key of Object.keys(obj)) delete obj[key];
      Object.assign(obj, back);
    },
    validate: (obj, old) => storage.validate(toStorage(obj), old ? toStorage(old) : undefined),
    table: { columns: storage.table.columns, cells: (obj, now) => storage.table.cells(toStorage(obj), now) },
    storage: { kind: storage, toStorage, fromStorage },
  };
}

/** Namespaced objects need an existing namespace (404 otherwise) that is not terminating (403), as in Kubernetes. */
import { ApiError, errors } from '../../api/errors.js';
import { isObject } from '../../api/object.js';
import type { AdmissionHook } from '../context.js';
import type { Store } from '../../store/store.js';

export function namespaceLifecycle(store: Store): AdmissionHook {
  return {
    async beforeCreate(kind, obj) {
      if (!kind.namespaced) return;
      const namespace = obj.metadata.namespace ?? '';
      const kv = await store.get(`/core/namespaces/${namespace}`);
      if (!kv) throw errors.notFound('', 'namespaces', namespace);
      const ns = JSON.parse(kv.value) as Record<string, unknown>;
      const meta = ns['metadata'] as Record<string, unknown>;
      const status = isObject(ns['status']) ? ns['status'] : {};
      if (meta['deletionTimestamp'] || status['phase'] === 'Terminating') {
        throw new ApiError(403, 'Forbidden',
          `${kind.group ? `${kind.plural}.${kind.group}` : kind.plural} "${obj.metadata.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { name: obj.metadata.name, group: kind.group, kind: kind.plural });
      }
    },
  };
}

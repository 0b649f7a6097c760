/** Namespaced objects need an existing namespace (404 otherwise) that is not terminating (403), as in Kubernetes. */
import { ApiError, errors } from '../../api/errors.js';
import type { AdmissionHook } from '../context.js';
import type { NamespaceStates } from './namespace-states.js';

export function namespaceLifecycle(namespaces: NamespaceStates): AdmissionHook {
  return {
    async beforeCreate(kind, obj) {
      if (!kind.namespaced) return;
      const namespace = obj.metadata.namespace ?? '';
      const state = await namespaces.lookup(namespace);
      if (!state) throw errors.notFound('', 'namespaces', namespace);
      if (state === 'Terminating') {
        throw new ApiError(403, 'Forbidden',
          `${kind.group ? `${kind.plural}.${kind.group}` : kind.plural} "${obj.metadata.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { name: obj.metadata.name, group: kind.group, kind: kind.plural });
      }
    },
  };
}

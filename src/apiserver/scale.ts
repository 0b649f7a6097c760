/** autoscaling/v1 Scale views of Deployments and ReplicaSets (status.selector is a string in v1). */
import { errors } from '../api/errors.js';
import { isObject, type KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { fromLabelSelector, labelSelectorToString } from '../api/selectors/label-selector.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

export function toScale(obj: KubeObject): KubeObject {
  const spec = isObject(obj['spec']) ? obj['spec'] : {};
  const status = isObject(obj['status']) ? obj['status'] : {};
  const m = obj.metadata;
  let selector = '';
  if (isObject(spec['selector'])) {
    try {
      selector = labelSelectorToString(fromLabelSelector(spec['selector'] as LabelSelector));
    } catch {
      selector = '';
    }
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec['replicas'] === 'number' ? spec['replicas'] : 0 },
    status: { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, selector },
  };
}

/** Copies a Scale's spec.replicas into the object (422 when it is not a non-negative integer). */
export function applyScale(kind: ResourceKind, obj: KubeObject, scale: unknown): KubeObject {
  const s = isObject(scale) ? scale : {};
  const spec = isObject(s['spec']) ? s['spec'] : {};
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    throw errors.invalid('autoscaling', 'Scale', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
  }
  const target = isObject(obj['spec']) ? obj['spec'] : (obj['spec'] = {});
  (target as Record<string, unknown>)['replicas'] = replicas ?? 0;
  const meta = isObject(s['metadata']) ? s['metadata'] : {};
  const rv = meta['resourceVersion'];
  (obj.metadata as { resourceVersion?: string }).resourceVersion = typeof rv === 'string' && rv !== '' ? rv : obj.metadata.resourceVersion;
  void kind;
  return obj;
}

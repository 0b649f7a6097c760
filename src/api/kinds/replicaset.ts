/** apps/v1 ReplicaSet. */
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column, containerCells, formatLabelSelector } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { immutable } from '../validation/metadata.js';
import { defineKind } from './define.js';
import { defaultPodTemplate, nonNegative, validateTemplateWithSelector } from './pod-template.js';

export function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec ??= { selector: {} };
  rs.spec.replicas ??= 1;
  defaultPodTemplate(rs.spec.template);
}

export function validateReplicaSet(rs: ReplicaSet, old: ReplicaSet | undefined): StatusCause[] {
  const spec = rs.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const causes: StatusCause[] = [];
  causes.push(...nonNegative('spec.replicas', spec.replicas));
  causes.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  causes.push(...validateTemplateWithSelector(spec.template, spec.selector, 'spec', { restartPolicies: ['Always'], kindForEmptySelector: 'deployment' }));
  if (old) causes.push(...immutable('spec.selector', spec.selector, old.spec?.selector));
  return causes;
}

export const replicaSetKind = defineKind<ReplicaSet>({
  group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true,
  definition: 'io.k8s.api.apps.v1.ReplicaSet',
  shortNames: ['rs'], categories: ['all'],
  subresources: ['status', 'scale'],
  tracksGeneration: true,
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
  columns: [
    column('Desired', 'integer', 'Replicas is the number of desired pods.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods.'),
    column('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  cells(rs, now) {
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0,
      age(rs.metadata?.creationTimestamp, now), names, images, formatLabelSelector(rs.spec?.selector),
    ];
  },
  fieldSelectors: { 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) },
});

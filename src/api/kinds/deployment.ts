/** apps/v1 Deployment. */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column, containerCells, formatLabelSelector } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { immutable } from '../validation/metadata.js';
import { defineKind } from './define.js';
import { defaultPodTemplate, nonNegative, validateTemplateWithSelector } from './pod-template.js';

export function defaultDeployment(d: Deployment): void {
  d.spec ??= { selector: {}, template: {} };
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ||= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

/** An int-or-percent like "25%" or 1: its number and whether it is a percentage, or undefined when malformed. */
export function parseIntOrPercent(value: number | string | undefined): { value: number; percent: boolean } | undefined {
  if (value === undefined) return { value: 0, percent: false };
  if (typeof value === 'number') return Number.isInteger(value) ? { value, percent: false } : undefined;
  const m = /^(\d+)%$/.exec(value);
  return m ? { value: Number(m[1]), percent: true } : undefined;
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent for maxSurge / maxUnavailable. */
export function validateIntOrPercent(value: number | string | undefined, field: string): StatusCause[] {
  if (value === undefined) return [];
  const parsed = parseIntOrPercent(value);
  if (!parsed) return [fieldErrors.invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  const causes: StatusCause[] = [];
  if (parsed.value < 0) causes.push(fieldErrors.invalid(field, value, 'must be greater than or equal to 0'));
  if (parsed.percent && parsed.value > 100) causes.push(fieldErrors.invalid(field, value, 'must not be greater than 100%'));
  return causes;
}

export function validateDeployment(d: Deployment, old: Deployment | undefined): StatusCause[] {
  const spec = d.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const causes: StatusCause[] = [];
  causes.push(...nonNegative('spec.replicas', spec.replicas));
  causes.push(...validateTemplateWithSelector(spec.template, spec.selector, 'spec', { restartPolicies: ['Always'], kindForEmptySelector: 'deployment' }));
  const strategy = spec.strategy;
  const types = ['Recreate', 'RollingUpdate'];
  if (strategy?.type && !types.includes(strategy.type)) causes.push(fieldErrors.notSupported('spec.strategy.type', strategy.type, types));
  if (strategy?.type === 'Recreate' && strategy.rollingUpdate) {
    causes.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (strategy?.type === 'RollingUpdate' && strategy.rollingUpdate) {
    const { maxSurge, maxUnavailable } = strategy.rollingUpdate;
    causes.push(...validateIntOrPercent(maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    causes.push(...validateIntOrPercent(maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (parseIntOrPercent(maxSurge)?.value === 0 && parseIntOrPercent(maxUnavailable)?.value === 0) {
      causes.push(fieldErrors.invalid('spec.strategy.rollingUpdate.maxUnavailable', maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  causes.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined) {
    causes.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      causes.push(fieldErrors.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  if (old) causes.push(...immutable('spec.selector', spec.selector, old.spec?.selector));
  return causes;
}

export const deploymentKind = defineKind<Deployment>({
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true,
  definition: 'io.k8s.api.apps.v1.Deployment',
  shortNames: ['deploy'], categories: ['all'],
  subresources: ['status', 'scale'],
  tracksGeneration: true,
  defaults: defaultDeployment,
  validate: validateDeployment,
  columns: [
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  cells(d, now) {
    const status = d.status ?? {};
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    const selector = formatLabelSelector(d.spec?.selector);
    return [
      `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, status.updatedReplicas ?? 0, status.availableReplicas ?? 0,
      age(d.metadata?.creationTimestamp, now), names, images, selector === '<none>' ? '' : selector,
    ];
  },
});

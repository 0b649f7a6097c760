/** scheduling.k8s.io/v1 PriorityClass (cluster-scoped). */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defineKind } from './define.js';

/** The largest value a user-defined class may have; larger ones are reserved for system-* classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** The built-in classes Kubernetes creates at start-up (the API server may seed them). */
export const systemPriorityClasses: Record<string, number> = {
  'system-cluster-critical': SYSTEM_CRITICAL_PRIORITY,
  'system-node-critical': SYSTEM_CRITICAL_PRIORITY + 1000,
};
const preemptionPolicies = ['Never', 'PreemptLowerPriority'];

export function defaultPriorityClass(pc: PriorityClass): void {
  pc.preemptionPolicy ||= 'PreemptLowerPriority';
}

export function validatePriorityClass(pc: PriorityClass, old: PriorityClass | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-')) {
    const expected = systemPriorityClasses[name];
    if (expected === undefined) {
      causes.push(fieldErrors.invalid('metadata.name', name, `priority class names with 'system-' prefix are reserved`));
    } else if (pc.value !== expected) {
      causes.push(fieldErrors.forbidden('value', `value of ${name} must be ${expected}`));
    }
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    causes.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy && !preemptionPolicies.includes(pc.preemptionPolicy)) {
    causes.push(fieldErrors.notSupported('preemptionPolicy', pc.preemptionPolicy, preemptionPolicies));
  }
  if (old) {
    if (pc.value !== old.value) causes.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
    if ((pc.preemptionPolicy ?? 'PreemptLowerPriority') !== (old.preemptionPolicy ?? 'PreemptLowerPriority')) {
      causes.push(fieldErrors.invalid('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
    }
  }
  return causes;
}

export const priorityClassKind = defineKind<PriorityClass>({
  group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false,
  definition: 'io.k8s.api.scheduling.v1.PriorityClass',
  shortNames: ['pc'],
  defaults: defaultPriorityClass,
  validate: validatePriorityClass,
  columns: [
    column('Value', 'integer', 'value represents the integer value of this priority class.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells: (pc, now) => [pc.value, pc.globalDefault ?? false, age(pc.metadata?.creationTimestamp, now), pc.preemptionPolicy ?? ''],
});

/** Checks and defaults shared by the kinds that carry a pod template (Deployment, ReplicaSet, Job). */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { StatusCause } from '../errors.js';
import { fieldErrors } from '../validation/field-errors.js';
import { validateAnnotations, validateLabels } from '../validation/metadata.js';
import { validatePodSpec } from '../validation/pod-spec.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from '../validation/selector.js';
import { formatLabelSelector } from '../printers/format.js';
import { defaultPodSpec } from './pod-spec-defaults.js';

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template) return;
  template.metadata ??= {};
  template.spec ??= { containers: [] };
  defaultPodSpec(template.spec);
}

/** ValidatePodTemplateSpec plus the selector checks of workload controllers. */
export function validateTemplateWithSelector(
  template: PodTemplateSpec | undefined, selector: LabelSelector | undefined, field: string,
  opts: { restartPolicies: readonly string[]; kindForEmptySelector: string },
): StatusCause[] {
  const causes: StatusCause[] = [];
  const selectorField = `${field}.selector`;
  if (!selector) causes.push(fieldErrors.required(selectorField));
  else {
    causes.push(...validateLabelSelector(selector, selectorField));
    if (isEmptySelector(selector)) {
      causes.push(fieldErrors.invalid(selectorField, formatLabelSelector(selector), `empty selector is invalid for ${opts.kindForEmptySelector}`));
    }
  }
  if (!template) {
    causes.push(fieldErrors.required(`${field}.template`));
    return causes;
  }
  const labels = template.metadata?.labels;
  causes.push(...validateLabels(labels, `${field}.template.metadata.labels`));
  causes.push(...validateAnnotations(template.metadata?.annotations, `${field}.template.metadata.annotations`));
  if (selector && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    causes.push(fieldErrors.invalid(`${field}.template.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodSpec(template.spec, `${field}.template.spec`));
  const restartPolicy = template.spec?.restartPolicy;
  if (restartPolicy && !opts.restartPolicies.includes(restartPolicy)) {
    causes.push(fieldErrors.notSupported(`${field}.template.spec.restartPolicy`, restartPolicy, opts.restartPolicies));
  }
  if (template.spec?.activeDeadlineSeconds !== undefined && opts.restartPolicies.includes('Always')) {
    causes.push(fieldErrors.forbidden(`${field}.template.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return causes;
}

export function nonNegative(field: string, value: number | undefined): StatusCause[] {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(field, value, 'must be greater than or equal to 0')] : [];
}


/** batch/v1 Job. */
import { randomUUID } from 'node:crypto';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { StatusCause } from '../errors.js';
import { age, durationBetween } from '../printers/age.js';
import { column, containerCells, formatLabelSelector } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { immutable } from '../validation/metadata.js';
import { defineKind, type Writable } from './define.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { defaultPodTemplate, nonNegative, validateTemplateWithSelector } from './pod-template.js';

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

/**
 * Job strategy PrepareForCreate + SetDefaults_Job. Unless manualSelector is true, the selector is generated from
 * the Job's uid and the template gets the controller-uid and job-name labels. The uid must therefore be known:
 * the API server should assign metadata.uid before defaulting; if it has not, one is assigned here.
 */
export function defaultJob(job: Job): void {
  job.spec ??= { template: {} };
  const spec = job.spec;
  const meta: Writable<ObjectMeta> = (job.metadata ??= {});
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ||= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ||= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) pattern.status ||= 'True';
  }
  if (!spec.manualSelector && !spec.selector) {
    const uid = (meta.uid ||= randomUUID());
    spec.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
    spec.template ??= {};
    spec.template.metadata ??= {};
    const labels = (spec.template.metadata.labels ??= {});
    labels[JOB_CONTROLLER_UID_LABEL] = uid;
    labels[LEGACY_CONTROLLER_UID_LABEL] = uid;
    if (meta.name) {
      labels[JOB_NAME_LABEL] = meta.name;
      labels[LEGACY_JOB_NAME_LABEL] = meta.name;
    }
  }
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...templateLabels };
  defaultPodTemplate(spec.template);
}

export function validateJob(job: Job, old: Job | undefined): StatusCause[] {
  const spec = job.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const causes: StatusCause[] = [];
  causes.push(...nonNegative('spec.parallelism', spec.parallelism));
  causes.push(...nonNegative('spec.completions', spec.completions));
  causes.push(...nonNegative('spec.backoffLimit', spec.backoffLimit));
  causes.push(...nonNegative('spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    causes.push(fieldErrors.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be greater than 0'));
  }
  const modes = ['NonIndexed', 'Indexed'];
  if (spec.completionMode && !modes.includes(spec.completionMode)) causes.push(fieldErrors.notSupported('spec.completionMode', spec.completionMode, modes));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    causes.push(fieldErrors.required('spec.completions', "when completion mode is Indexed"));
  }
  causes.push(...validateTemplateWithSelector(spec.template, spec.selector, 'spec', { restartPolicies: ['OnFailure', 'Never'], kindForEmptySelector: 'job' }));
  if (old?.spec) {
    causes.push(...immutable('spec.selector', spec.selector, old.spec.selector));
    causes.push(...immutable('spec.completionMode', spec.completionMode, old.spec.completionMode));
    if (spec.completionMode !== 'Indexed') causes.push(...immutable('spec.completions', spec.completions, old.spec.completions));
    // The template may change only while the Job is suspended (so nothing runs the old one).
    if (!old.spec.suspend) causes.push(...immutable('spec.template', spec.template, old.spec.template));
  }
  return causes;
}

function hasCondition(job: Job, type: string): boolean {
  const condition = (job.status?.conditions ?? []).find((c) => c.type === type);
  return condition?.status === 'True';
}

export function jobStatusText(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobKind = defineKind<Job>({
  group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true,
  definition: 'io.k8s.api.batch.v1.Job',
  categories: ['all'],
  subresources: ['status'],
  tracksGeneration: true,
  defaults: defaultJob,
  validate: validateJob,
  columns: [
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(job, now) {
    const spec = job.spec;
    const succeeded = job.status?.succeeded ?? 0;
    let completions: string;
    if (spec?.completions !== undefined) completions = `${succeeded}/${spec.completions}`;
    else if ((spec?.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${spec!.parallelism}`;
    else completions = `${succeeded}/1`;
    const start = job.status?.startTime;
    const duration = !start ? '' : durationBetween(start, job.status?.completionTime ?? now.toISOString()) ?? '';
    const [names, images] = containerCells(spec?.template?.spec?.containers);
    return [jobStatusText(job), completions, duration, age(job.metadata?.creationTimestamp, now), names, images, formatLabelSelector(spec?.selector)];
  },
  fieldSelectors: { 'status.successful': (job) => String(job.status?.succeeded ?? 0) },
});

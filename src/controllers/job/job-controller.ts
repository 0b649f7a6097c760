import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { fromLabelSelector, type LabelRequirement } from '../../api/selectors/label-selector.js';
import { isConflict, isNotFound, type ApiClient } from '../../client/api-client.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { Informer } from '../../client/informer.js';
import { JOBS, PODS } from '../../client/resources.js';
import { Expectations } from '../expectations.js';
import { Controller, type ReconcileResult } from '../framework/controller.js';
import { claimDependents, ownerKeysOf } from '../owner-claims.js';
import { controllerKey, newControllerRef } from '../owner-references.js';
import { isPodReady } from '../pod-conditions.js';
import { DEFAULT_POD_FAILURE_BACKOFF, remainingBackoffMs, type PodFailureBackoffOptions } from './backoff.js';
import { COMPLETION_INDEX, completionIndexOf, formatIndexes } from './completion-index.js';
import { findCondition, finishedAt, hasTrueCondition, isFinished, REASONS, setJobCondition } from './conditions.js';

/** Upstream's MaxPodCreateDeletePerSync. */
const MAX_PODS_PER_SYNC = 500;

export interface JobControllerOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  workers?: number;
  /** Delay before replacing failed pods (exponential); tests shorten it. */
  podFailureBackoff?: PodFailureBackoffOptions;
}

interface PodGroups {
  active: Pod[];
  terminating: Pod[];
  succeeded: Pod[];
  failed: Pod[];
}

function groupPods(pods: Pod[]): PodGroups {
  const groups: PodGroups = { active: [], terminating: [], succeeded: [], failed: [] };
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded') groups.succeeded.push(pod);
    else if (pod.status?.phase === 'Failed') groups.failed.push(pod);
    else if (pod.metadata?.deletionTimestamp) groups.terminating.push(pod);
    else groups.active.push(pod);
  }
  return groups;
}

/** Container restarts of running pods, which count against backoffLimit for restartPolicy OnFailure. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * batch/v1 Jobs as kube-controller-manager runs them: pods up to parallelism until `completions` succeed
 * (NonIndexed or Indexed), failed pods replaced after an exponential back-off until backoffLimit,
 * activeDeadlineSeconds, suspend/resume, FailureTarget/SuccessCriteriaMet before Failed/Complete (set once no pod
 * is left running), and deletion ttlSecondsAfterFinished after the end. Succeeded/failed are counted from the
 * pods that exist (upstream's legacy tracking), never below what status already recorded.
 */
export class JobController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly expectations = new Expectations();
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly backoff: PodFailureBackoffOptions;
  /** Pods whose deletion the expectations already counted (when their deletionTimestamp appeared). */
  private readonly deletionsSeen = new Set<string>();
  /** Pods this controller deleted (so their disappearance is not a failure). */
  private readonly deletedByUs = new Set<string>();
  /** Unfinished pods that someone else removed since the last status write, per Job: they count as failed. */
  private readonly lostPods = new Map<string, number>();

  constructor(private readonly options: JobControllerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'job' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.backoff = options.podFailureBackoff ?? DEFAULT_POD_FAILURE_BACKOFF;
    this.recorder = new EventRecorder(options.client, { component: 'job-controller', logger: options.logger });
    this.jobs = this.factory.informer(JOBS);
    this.pods = this.factory.informer(PODS);
    this.controller = new Controller({ name: 'job', logger: options.logger, workers: options.workers ?? 4, reconcile: (key) => this.reconcile(key) });
    this.controller.watch(this.jobs);
    this.controller.watch(this.pods, (pod) => this.jobsFor(pod));
    this.pods.addHandlers({
      onAdd: (pod) => { const key = this.ownerKey(pod); if (key) this.expectations.observedAdd(key); },
      onUpdate: (_old, pod) => { if (pod.metadata?.deletionTimestamp) this.observeDeletion(pod); },
      onDelete: (pod) => {
        this.observeDeletion(pod);
        const uid = pod.metadata?.uid ?? '';
        this.deletionsSeen.delete(uid);
        const key = this.ownerKey(pod);
        const unfinished = pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
        if (!this.deletedByUs.delete(uid) && key && unfinished) this.lostPods.set(key, (this.lostPods.get(key) ?? 0) + 1);
      },
    });
  }

  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private observeDeletion(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.deletionsSeen.has(uid)) return;
    this.deletionsSeen.add(uid);
    const key = this.ownerKey(pod);
    if (key) this.expectations.observedDelete(key);
  }

  private ownerKey(pod: Pod): string | undefined {
    return controllerKey(pod, 'Job');
  }

  private jobsFor(pod: Pod): string[] {
    return ownerKeysOf(pod, 'Job', () => this.jobs.inNamespace(pod.metadata?.namespace ?? ''));
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const job = this.jobs.get(key);
    if (!job) { this.expectations.forget(key); this.lostPods.delete(key); return; }
    if (job.metadata?.deletionTimestamp) return;
    if (isFinished(job)) return this.expireAfterTtl(job);

    let selector: LabelRequirement[] | null;
    try {
      selector = fromLabelSelector(job.spec?.selector);
    } catch {
      return; // the API server rejects invalid selectors
    }
    const pods = await claimDependents({
      client: this.options.client, owner: job, ownerApiVersion: 'batch/v1', ownerKind: 'Job', selector,
      ref: PODS, candidates: this.pods.inNamespace(job.metadata!.namespace!),
    });
    const groups = groupPods(pods);
    const now = Date.now();
    const nowText = timestamp(now);
    const spec = job.spec!;
    const indexed = spec.completionMode === 'Indexed';
    const status: JobStatus = structuredClone(job.status ?? {});
    const events: Array<() => Promise<void>> = [];

    const succeededIndexes = new Set<number>();
    if (indexed) {
      for (const pod of groups.succeeded) {
        const index = completionIndexOf(pod);
        if (index !== undefined && index < (spec.completions ?? 0)) succeededIndexes.add(index);
      }
    }
    const succeeded = Math.max(status.succeeded ?? 0, indexed ? succeededIndexes.size : groups.succeeded.length);
    // Pods removed before they finished (evicted, deleted by hand) count as failed, as upstream.
    const lost = this.lostPods.get(key) ?? 0;
    let failed = Math.max(status.failed ?? 0, groups.failed.length) + lost;
    let active = groups.active.length;
    const requeue: number[] = [];

    // Decide whether the Job has reached an end (upstream: FailureTarget / SuccessCriteriaMet first).
    const backoffLimit = spec.backoffLimit ?? 6;
    if (!hasTrueCondition(job, 'FailureTarget') && !hasTrueCondition(job, 'SuccessCriteriaMet')) {
      const deadlineMs = spec.activeDeadlineSeconds !== undefined ? spec.activeDeadlineSeconds * 1000 : undefined;
      const started = Date.parse(status.startTime ?? '');
      const completions = spec.completions;
      const successReached = completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions;
      if (failed > backoffLimit || pastBackoffLimitOnFailure(job, groups.active)) {
        setJobCondition(status, 'FailureTarget', 'True', REASONS.backoffLimitExceeded.reason, REASONS.backoffLimitExceeded.message, nowText);
      } else if (!spec.suspend && deadlineMs !== undefined && !Number.isNaN(started) && now - started >= deadlineMs) {
        setJobCondition(status, 'FailureTarget', 'True', REASONS.deadlineExceeded.reason, REASONS.deadlineExceeded.message, nowText);
      } else if (successReached) {
        setJobCondition(status, 'SuccessCriteriaMet', 'True', REASONS.completionsReached.reason, REASONS.completionsReached.message, nowText);
      } else if (deadlineMs !== undefined && !spec.suspend && !Number.isNaN(started)) {
        requeue.push(started + deadlineMs - now);
      }
    }

    const failureTarget = findCondition(status, 'FailureTarget');
    const successMet = findCondition(status, 'SuccessCriteriaMet');
    if (failureTarget?.status === 'True' || successMet?.status === 'True') {
      // Finishing: stop whatever still runs; the terminal condition waits until no pod is left running. On a
      // failure, pods stopped this way count as failed (upstream: every unfinished pod of a failed Job).
      const stopped = await this.deletePods(job, key, groups.active);
      active -= stopped;
      if (failureTarget?.status === 'True') failed += stopped;
      if (active === 0 && groups.terminating.length === 0) {
        if (failureTarget?.status === 'True') {
          const reason = failureTarget.reason ?? REASONS.backoffLimitExceeded.reason;
          const message = failureTarget.message ?? '';
          setJobCondition(status, 'Failed', 'True', reason, message, nowText);
          events.push(() => this.recorder.warning(job, reason, message));
        } else {
          setJobCondition(status, 'Complete', 'True', REASONS.completionsReached.reason, REASONS.completionsReached.message, nowText);
          status.completionTime = nowText;
          events.push(() => this.recorder.normal(job, 'Completed', 'Job completed'));
        }
      }
    } else if (spec.suspend) {
      active -= await this.deletePods(job, key, groups.active);
      if (setJobCondition(status, 'Suspended', 'True', REASONS.suspended.reason, REASONS.suspended.message, nowText)) {
        events.push(() => this.recorder.normal(job, 'Suspended', 'Job suspended'));
      }
    } else {
      if (setJobCondition(status, 'Suspended', 'False', REASONS.resumed.reason, REASONS.resumed.message, nowText)) {
        events.push(() => this.recorder.normal(job, 'Resumed', 'Job resumed'));
        status.startTime = nowText; // activeDeadlineSeconds counts continuous activity
        if (spec.activeDeadlineSeconds !== undefined) requeue.push(spec.activeDeadlineSeconds * 1000);
      }
      status.startTime ??= nowText;
      if (spec.activeDeadlineSeconds !== undefined && !job.status?.startTime) requeue.push(spec.activeDeadlineSeconds * 1000);
      if (this.expectations.satisfied(key)) {
        const result = await this.managePods(job, key, groups, succeeded, succeededIndexes);
        active += result.created - result.deleted;
        if (result.retryAfterMs !== undefined) requeue.push(result.retryAfterMs);
      }
    }

    // active, succeeded and failed are omitted when zero, as upstream serializes them.
    setCount(status, 'active', active);
    status.ready = groups.active.filter(isPodReady).length;
    setCount(status, 'succeeded', succeeded);
    setCount(status, 'failed', failed);
    status.terminating = groups.terminating.length;
    status.uncountedTerminatedPods ??= {};
    if (indexed) status.completedIndexes = formatIndexes(succeededIndexes);
    if (hasTrueCondition({ status }, 'Complete') || hasTrueCondition({ status }, 'Failed')) status.ready = 0;

    const written = await this.writeStatus(job, status);
    if (written === 'conflict') return { requeueAfterMs: 100 };
    if (lost > 0) {
      const left = (this.lostPods.get(key) ?? 0) - lost;
      if (left > 0) this.lostPods.set(key, left); else this.lostPods.delete(key);
    }
    for (const emit of events) void emit();
    if (written && isFinished(written)) return this.expireAfterTtl(written);
    const positive = requeue.filter((ms) => ms > 0);
    return positive.length > 0 ? { requeueAfterMs: Math.min(...positive) + 10 } : undefined;
  }

  /** Creates missing pods (after the failure back-off) and deletes surplus ones. */
  private async managePods(job: Job, key: string, groups: PodGroups, succeeded: number, succeededIndexes: Set<number>): Promise<{ created: number; deleted: number; retryAfterMs?: number }> {
    const spec = job.spec!;
    const parallelism = spec.parallelism ?? 1;
    const active = groups.active;
    // podReplacementPolicy Failed: a terminating pod still holds its slot until it has really stopped.
    const holding = spec.podReplacementPolicy === 'Failed' ? groups.terminating.length : 0;
    let toCreate: Array<number | undefined>;
    let surplus: Pod[];
    if (spec.completionMode === 'Indexed') {
      const completions = spec.completions ?? 0;
      // One active pod per pending index; extras (duplicates, out of range, already succeeded) go.
      const seen = new Set<number>();
      surplus = [];
      for (const pod of active) {
        const index = completionIndexOf(pod);
        if (index === undefined || index >= completions || succeededIndexes.has(index) || seen.has(index)) surplus.push(pod);
        else seen.add(index);
      }
      for (const pod of spec.podReplacementPolicy === 'Failed' ? groups.terminating : []) {
        const index = completionIndexOf(pod);
        if (index !== undefined) seen.add(index);
      }
      const kept = active.filter((p) => !surplus.includes(p));
      if (kept.length > parallelism) surplus.push(...kept.slice(parallelism));
      const slots = parallelism - Math.min(kept.length + holding, parallelism);
      const pending: number[] = [];
      for (let i = 0; i < completions && pending.length < slots; i++) {
        if (!succeededIndexes.has(i) && !seen.has(i)) pending.push(i);
      }
      toCreate = pending;
    } else {
      let wantActive: number;
      if (spec.completions === undefined) wantActive = succeeded > 0 ? active.length : parallelism;
      else wantActive = Math.max(0, Math.min(spec.completions - succeeded, parallelism));
      const diff = wantActive - active.length;
      surplus = diff < 0 ? [...active].sort(removalOrder).slice(0, -diff) : [];
      toCreate = Array.from({ length: Math.max(0, diff - holding) }, () => undefined);
    }

    const deleted = await this.deletePods(job, key, surplus.slice(0, MAX_PODS_PER_SYNC));
    if (toCreate.length === 0) return { created: 0, deleted };
    const wait = remainingBackoffMs([...groups.succeeded, ...groups.failed], this.backoff);
    if (wait > 0) return { created: 0, deleted, retryAfterMs: wait };
    const created = await this.createPods(job, key, toCreate.slice(0, MAX_PODS_PER_SYNC));
    return { created, deleted };
  }

  /** Creates pods in slow-start batches (1, 2, 4 …) so a template the API rejects fails once. Returns how many were made. */
  private async createPods(job: Job, key: string, indexes: Array<number | undefined>): Promise<number> {
    this.expectations.expect(key, indexes.length, 0);
    let done = 0;
    for (let batch = 1; done < indexes.length; batch *= 2) {
      const slice = indexes.slice(done, done + batch);
      const results = await Promise.allSettled(slice.map((index) => this.createPod(job, index)));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      done += slice.length;
      if (failures.length > 0) {
        this.expectations.lower(key, failures.length + (indexes.length - done), 0);
        const message = (failures[0]!.reason as Error).message;
        void this.recorder.warning(job, 'FailedCreate', `Error creating: ${message}`);
        throw failures[0]!.reason;
      }
    }
    return done;
  }

  private async createPod(job: Job, index: number | undefined): Promise<void> {
    const template = structuredClone(job.spec?.template ?? {});
    const name = job.metadata!.name!;
    const metadata = { ...template.metadata };
    delete metadata.name;
    const spec = template.spec ?? { containers: [] };
    if (index !== undefined) {
      metadata.annotations = { ...metadata.annotations, [COMPLETION_INDEX]: String(index) };
      metadata.labels = { ...metadata.labels, [COMPLETION_INDEX]: String(index) };
      spec.hostname ??= `${name}-${index}`;
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        c.env = [...(c.env ?? []).filter((e) => e.name !== 'JOB_COMPLETION_INDEX'), {
          name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
        }];
      }
    }
    const pod: Pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        ...metadata,
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        namespace: job.metadata!.namespace,
        ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
      },
      spec,
    };
    const created = await this.options.client.create(PODS, pod, { namespace: job.metadata!.namespace });
    void this.recorder.normal(job, 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  /** Deletes pods; returns how many deletions were accepted. */
  private async deletePods(job: Job, key: string, pods: Pod[]): Promise<number> {
    if (pods.length === 0) return 0;
    this.expectations.expect(key, 0, pods.length);
    const results = await Promise.all(pods.map(async (pod) => {
      const uid = pod.metadata?.uid ?? '';
      this.deletedByUs.add(uid);
      try {
        await this.options.client.delete(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace, preconditions: { uid: pod.metadata!.uid } });
        void this.recorder.normal(job, 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        return 1;
      } catch (err) {
        this.expectations.lower(key, 0, 1);
        this.deletedByUs.delete(uid);
        if (!isNotFound(err)) throw err;
        return 0;
      }
    }));
    return results.reduce<number>((a, b) => a + b, 0);
  }

  /** Writes status when it changed; answers the written Job, undefined when nothing was written, or 'conflict'. */
  private async writeStatus(job: Job, status: JobStatus): Promise<Job | undefined | 'conflict'> {
    if (JSON.stringify(status) === JSON.stringify(job.status ?? {})) return undefined;
    try {
      return await this.options.client.updateStatus(JOBS, { ...job, status });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (isConflict(err)) return 'conflict';
      throw err;
    }
  }

  /** ttlSecondsAfterFinished (upstream's ttl-after-finished controller): delete the Job, dependents in background. */
  private async expireAfterTtl(job: Job): Promise<ReconcileResult | void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    const finished = finishedAt(job);
    if (ttl === undefined || finished === undefined) return;
    const remaining = finished + ttl * 1000 - Date.now();
    if (remaining > 0) return { requeueAfterMs: remaining + 10 };
    // Check the live object: the TTL may have been changed since the cache saw it.
    let fresh: Job;
    try {
      fresh = await this.options.client.get(JOBS, job.metadata!.name!, { namespace: job.metadata!.namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshTtl = fresh.spec?.ttlSecondsAfterFinished;
    const freshFinished = finishedAt(fresh);
    if (freshTtl === undefined || freshFinished === undefined || fresh.metadata?.deletionTimestamp) return;
    const left = freshFinished + freshTtl * 1000 - Date.now();
    if (left > 0) return { requeueAfterMs: left + 10 };
    try {
      await this.options.client.delete(JOBS, fresh.metadata!.name!, {
        namespace: fresh.metadata!.namespace, propagationPolicy: 'Background', preconditions: { uid: fresh.metadata!.uid },
      });
      this.logger.info({ job: `${fresh.metadata?.namespace}/${fresh.metadata?.name}` }, 'deleted finished job after its TTL');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

function setCount(status: JobStatus, field: 'active' | 'succeeded' | 'failed', value: number): void {
  if (value > 0) status[field] = value;
  else delete status[field];
}

/** Which active pods go first when there are too many: unscheduled, then not ready, then newest. */
function removalOrder(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

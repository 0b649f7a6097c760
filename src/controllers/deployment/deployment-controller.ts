import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { fromLabelSelector } from '../../api/selectors/label-selector.js';
import { isAlreadyExists, isConflict, isNotFound, type ApiClient } from '../../client/api-client.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { Informer } from '../../client/informer.js';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../../client/resources.js';
import { Controller, type ReconcileResult } from '../framework/controller.js';
import { claimDependents, ownerKeysOf } from '../owner-claims.js';
import { controllerRef, isControlledBy, newControllerRef } from '../owner-references.js';
import { isPodTerminal } from '../pod-conditions.js';
import { getCondition, setCondition } from './conditions.js';
import { fenceposts, newReplicaSetTarget, oldScaleDownBudget, specReplicas, sumAvailableWithinSpec, sumSpec, sumStatus } from './rolling-math.js';
import { POD_TEMPLATE_HASH, podTemplateHash, templatesEqual, templateWithoutHash } from './template-hash.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
/** Beyond Kubernetes: roll back by itself when a new revision misses its progress deadline. */
export const AUTO_ROLLBACK = 'stratus.io/rollback-on-progress-deadline';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface DeploymentControllerOptions {
  client: ApiClient;
  factory?: InformerFactory;
  logger?: Logger;
  workers?: number;
}

const revisionOf = (rs: ReplicaSet) => Number(rs.metadata?.annotations?.[REVISION] ?? 0) || 0;
const createdAt = (rs: ReplicaSet) => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;
const oldestFirst = (a: ReplicaSet, b: ReplicaSet) => createdAt(a) - createdAt(b) || (a.metadata!.name! < b.metadata!.name! ? -1 : 1);

/**
 * Deployments: a ReplicaSet per pod template revision, rolled with RollingUpdate (maxSurge/maxUnavailable) or
 * Recreate, with pause, progress deadline, revision history and rollback, as kube-controller-manager does.
 */
export class DeploymentController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private readonly recorder: EventRecorder;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly options: DeploymentControllerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'deployment' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.recorder = new EventRecorder(options.client, { component: 'deployment-controller', logger: options.logger });
    this.deployments = this.factory.informer(DEPLOYMENTS);
    this.replicaSets = this.factory.informer(REPLICASETS);
    this.pods = this.factory.informer(PODS);
    this.controller = new Controller({ name: 'deployment', logger: options.logger, workers: options.workers ?? 4, reconcile: (key) => this.reconcile(key) });
    this.controller.watch(this.deployments);
    this.controller.watch(this.replicaSets, (rs) => this.ownersOf(rs));
    // Recreate waits for old pods to be gone: their deletion must wake the deployment.
    this.controller.watch(this.pods, (pod) => {
      const ref = controllerRef(pod);
      if (ref?.kind !== 'ReplicaSet') return undefined;
      const rs = this.replicaSets.get(`${pod.metadata?.namespace}/${ref.name}`);
      return rs ? this.ownersOf(rs) : undefined;
    });
  }

  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private ownersOf(rs: ReplicaSet): string[] {
    return ownerKeysOf(rs, 'Deployment', () => this.deployments.inNamespace(rs.metadata?.namespace ?? ''));
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const d = this.deployments.get(key);
    if (!d || d.metadata?.deletionTimestamp) return;
    const all = await claimDependents({
      client: this.options.client, owner: d, ownerApiVersion: 'apps/v1', ownerKind: 'Deployment',
      selector: fromLabelSelector(d.spec?.selector), ref: REPLICASETS, candidates: this.replicaSets.inNamespace(d.metadata!.namespace!),
    });
    const newRS = all.find((rs) => templatesEqual(rs.spec?.template, d.spec?.template));
    const old = all.filter((rs) => rs !== newRS).sort(oldestFirst);

    if (d.spec?.paused) return this.syncStatus(d, newRS, old, { paused: true });

    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(d, newRS, old);
    return this.rolloutRolling(d, newRS, old);
  }

  private async patchReplicaSet(rs: ReplicaSet, patch: object): Promise<ReplicaSet | undefined> {
    try {
      return await this.options.client.patch(REPLICASETS, rs.metadata!.name!, patch, 'merge', { namespace: rs.metadata!.namespace });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  // ---- RollingUpdate ---------------------------------------------------------------------------------------------

  private async rolloutRolling(d: Deployment, existingNew: ReplicaSet | undefined, old: ReplicaSet[]): Promise<ReconcileResult | void> {
    const { newRS, created } = await this.ensureNewReplicaSet(d, existingNew, old, true);
    const all = [...old, newRS];
    const replicas = d.spec?.replicas ?? 1;

    // Scale up the new ReplicaSet within maxSurge.
    let target = specReplicas(newRS) > replicas ? replicas : newReplicaSetTarget(d, all, newRS);
    if (old.every((rs) => specReplicas(rs) === 0)) target = replicas; // nothing to roll: just follow spec.replicas
    if (target !== specReplicas(newRS)) {
      const scaled = await this.scale(d, newRS, target);
      return this.syncStatus(d, scaled, old, { created });
    }

    // Scale down old ReplicaSets within maxUnavailable: unhealthy replicas first, then by availability.
    let budget = oldScaleDownBudget(d, all, newRS);
    const scaledOld: ReplicaSet[] = [];
    let changed = false;
    if (budget > 0) {
      for (const rs of old) {
        const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
        if (budget <= 0 || specReplicas(rs) === 0 || unhealthy <= 0) { scaledOld.push(rs); continue; }
        const down = Math.min(budget, unhealthy);
        budget -= down;
        scaledOld.push(await this.scale(d, rs, specReplicas(rs) - down));
        changed = true;
      }
      const { maxUnavailable } = fenceposts(d);
      const minAvailable = replicas - maxUnavailable;
      const available = sumAvailableWithinSpec([...scaledOld, newRS]);
      let canRemove = available - minAvailable;
      for (let i = 0; i < scaledOld.length && canRemove > 0 && !changed; i++) {
        const rs = scaledOld[i]!;
        if (specReplicas(rs) === 0) continue;
        const down = Math.min(specReplicas(rs), canRemove);
        canRemove -= down;
        scaledOld[i] = await this.scale(d, rs, specReplicas(rs) - down);
        changed = true;
      }
    } else scaledOld.push(...old);

    if (!changed && this.isComplete(d, newRS, scaledOld)) await this.cleanupHistory(d, scaledOld);
    return this.syncStatus(d, newRS, scaledOld, { created });
  }

  // ---- Recreate --------------------------------------------------------------------------------------------------

  private async rolloutRecreate(d: Deployment, existingNew: ReplicaSet | undefined, old: ReplicaSet[]): Promise<ReconcileResult | void> {
    let scaledDown = false;
    const scaledOld: ReplicaSet[] = [];
    for (const rs of old) {
      if (specReplicas(rs) > 0) { scaledOld.push(await this.scale(d, rs, 0)); scaledDown = true; } else scaledOld.push(rs);
    }
    if (scaledDown) return this.syncStatus(d, existingNew, scaledOld, {});
    const oldUids = new Set(old.map((rs) => rs.metadata?.uid));
    const oldPodsRunning = this.pods.inNamespace(d.metadata!.namespace!)
      .some((p) => oldUids.has(controllerRef(p)?.uid) && !isPodTerminal(p));
    if (oldPodsRunning) return this.syncStatus(d, existingNew, scaledOld, {});
    const { newRS, created } = await this.ensureNewReplicaSet(d, existingNew, old, false);
    const replicas = d.spec?.replicas ?? 1;
    const scaled = specReplicas(newRS) !== replicas ? await this.scale(d, newRS, replicas) : newRS;
    if (this.isComplete(d, scaled, scaledOld)) await this.cleanupHistory(d, scaledOld);
    return this.syncStatus(d, scaled, scaledOld, { created });
  }

  // ---- ReplicaSets and revisions -----------------------------------------------------------------------------------

  private async ensureNewReplicaSet(d: Deployment, existing: ReplicaSet | undefined, old: ReplicaSet[], rolling: boolean): Promise<{ newRS: ReplicaSet; created: boolean }> {
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    if (existing) {
      // A rollback (or an old template re-applied) makes an old ReplicaSet new again: it gets the next revision.
      const prior = revisionOf(existing);
      const revision = prior > maxOldRevision ? prior : maxOldRevision + 1;
      const annotations: Record<string, string> = { ...this.copiedAnnotations(d), [REVISION]: String(revision) };
      if (revision !== prior && prior > 0) {
        const history = existing.metadata?.annotations?.[REVISION_HISTORY];
        annotations[REVISION_HISTORY] = history ? `${history},${prior}` : String(prior);
      }
      const current = existing.metadata?.annotations ?? {};
      const changed = Object.entries(annotations).some(([k, v]) => current[k] !== v);
      if (changed) {
        const patched = await this.patchReplicaSet(existing, { metadata: { annotations }, spec: { minReadySeconds: d.spec?.minReadySeconds ?? 0 } });
        if (patched) await this.setDeploymentRevision(d, annotations[REVISION]!);
        return { newRS: patched ?? existing, created: false };
      }
      if (d.metadata?.annotations?.[REVISION] !== annotations[REVISION]) await this.setDeploymentRevision(d, annotations[REVISION]!);
      return { newRS: existing, created: false };
    }
    const collisionCount = d.status?.collisionCount ?? 0;
    const hash = podTemplateHash(d.spec?.template, collisionCount);
    const template: PodTemplateSpec = structuredClone(templateWithoutHash(d.spec?.template));
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const replicas = d.spec?.replicas ?? 1;
    const { maxSurge } = fenceposts(d);
    const revision = String(maxOldRevision + 1);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata!.namespace,
        labels: template.metadata.labels,
        annotations: { ...this.copiedAnnotations(d), [REVISION]: revision, [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + maxSurge) },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        selector: { ...d.spec!.selector, matchLabels: { ...d.spec!.selector.matchLabels, [POD_TEMPLATE_HASH]: hash } },
        template,
      },
    };
    if (rolling) rs.spec!.replicas = newReplicaSetTarget(d, [...old, rs], rs);
    try {
      const created = await this.options.client.create(REPLICASETS, rs, { namespace: d.metadata!.namespace });
      if (specReplicas(created) > 0) void this.recorder.normal(d, 'ScalingReplicaSet', `Scaled up replica set ${created.metadata!.name} to ${specReplicas(created)}`);
      await this.setDeploymentRevision(d, revision);
      return { newRS: created, created: true };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const clash = await this.options.client.get(REPLICASETS, rs.metadata!.name!, { namespace: d.metadata!.namespace });
      if (isControlledBy(clash, d) && templatesEqual(clash.spec?.template, d.spec?.template)) return { newRS: clash, created: false };
      // A hash collision: bump collisionCount so the next sync derives another name.
      await this.options.client.patch(DEPLOYMENTS, d.metadata!.name!, { status: { collisionCount: collisionCount + 1 } }, 'merge', { namespace: d.metadata!.namespace, subresource: 'status' });
      throw err;
    }
  }

  private copiedAnnotations(d: Deployment): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
      if (k === LAST_APPLIED || k === REVISION || k === REVISION_HISTORY || k === AUTO_ROLLBACK) continue;
      out[k] = v;
    }
    return out;
  }

  private async setDeploymentRevision(d: Deployment, revision: string): Promise<void> {
    if (d.metadata?.annotations?.[REVISION] === revision) return;
    await this.options.client.patch(DEPLOYMENTS, d.metadata!.name!, { metadata: { annotations: { [REVISION]: revision } } }, 'merge', { namespace: d.metadata!.namespace })
      .catch((err) => { if (!isNotFound(err)) throw err; });
  }

  private async scale(d: Deployment, rs: ReplicaSet, replicas: number): Promise<ReplicaSet> {
    const from = specReplicas(rs);
    if (from === replicas) return rs;
    const { maxSurge } = fenceposts(d);
    const desired = d.spec?.replicas ?? 1;
    const patched = await this.options.client.patch(REPLICASETS, rs.metadata!.name!, {
      metadata: { annotations: { [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + maxSurge) } },
      spec: { replicas },
    }, 'merge', { namespace: rs.metadata!.namespace });
    const verb = replicas > from ? 'up' : 'down';
    void this.recorder.normal(d, 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata!.name} to ${replicas} from ${from}`);
    return patched;
  }

  /** Keeps at most revisionHistoryLimit old ReplicaSets that are scaled to zero (oldest revisions go first). */
  private async cleanupHistory(d: Deployment, old: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const idle = old.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata?.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.options.client.delete(REPLICASETS, rs.metadata!.name!, { namespace: rs.metadata!.namespace }).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  private isComplete(d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[]): boolean {
    const replicas = d.spec?.replicas ?? 1;
    const all = newRS ? [...old, newRS] : old;
    return newRS !== undefined
      && (newRS.status?.replicas ?? 0) === replicas
      && specReplicas(newRS) === replicas
      && sumStatus(all, 'replicas') === replicas
      && (newRS.status?.availableReplicas ?? 0) === replicas
      && (newRS.status?.observedGeneration ?? 0) >= (newRS.metadata?.generation ?? 0);
  }

  // ---- Status and progress ---------------------------------------------------------------------------------------

  private async syncStatus(d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[], flags: { paused?: boolean; created?: boolean }): Promise<ReconcileResult | void> {
    const all = newRS ? [...old, newRS] : old;
    const replicas = d.spec?.replicas ?? 1;
    const { maxUnavailable } = fenceposts(d);
    const now = new Date().toISOString();
    const previous = d.status ?? {};
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: sumStatus(all, 'availableReplicas'),
      unavailableReplicas: Math.max(0, sumSpec(all) - sumStatus(all, 'availableReplicas')),
      conditions: previous.conditions ? structuredClone(previous.conditions) : [],
      ...(previous.collisionCount !== undefined ? { collisionCount: previous.collisionCount } : {}),
    };
    if (status.replicas === 0) status.unavailableReplicas = Math.max(0, replicas - (status.availableReplicas ?? 0));

    if ((status.availableReplicas ?? 0) >= replicas - maxUnavailable) {
      setCondition(status, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, now);
    } else {
      setCondition(status, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
    }

    let requeueAfterMs: number | undefined;
    let deadlineExceeded = false;
    const rsName = newRS?.metadata?.name ?? '';
    const deadline = d.spec?.progressDeadlineSeconds ?? 600;
    if (flags.paused) {
      setCondition(status, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, now);
    } else if (this.isComplete(d, newRS, old)) {
      setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, now);
    } else if (newRS) {
      const progressing = getCondition(status, 'Progressing');
      // The condition names the ReplicaSet it is about; a different one means a new rollout started.
      const aboutCurrent = progressing?.message?.includes(`"${rsName}"`) ?? false;
      const madeProgress = (status.updatedReplicas ?? 0) > (previous.updatedReplicas ?? 0)
        || (status.replicas ?? 0) < (previous.replicas ?? 0)
        || (status.readyReplicas ?? 0) > (previous.readyReplicas ?? 0)
        || (status.availableReplicas ?? 0) > (previous.availableReplicas ?? 0);
      if (flags.created) {
        setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` }, now);
      } else if (progressing?.reason === 'DeploymentPaused') {
        setCondition(status, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' }, now);
      } else if (!progressing || (!aboutCurrent && progressing.reason !== 'DeploymentResumed')) {
        setCondition(status, { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${rsName}"` }, now);
      } else if (madeProgress) {
        const cond = status.conditions!.find((c) => c.type === 'Progressing')!;
        Object.assign(cond, { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.`, lastUpdateTime: now });
        if (progressing.status !== 'True') cond.lastTransitionTime = now;
      }
      const current = getCondition(status, 'Progressing')!;
      if (current.reason === 'ProgressDeadlineExceeded') {
        deadlineExceeded = true;
      } else {
        const since = Date.parse(current.lastUpdateTime ?? now);
        const remaining = since + deadline * 1000 - Date.now();
        if (remaining <= 0) {
          setCondition(status, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, now);
          void this.recorder.warning(d, 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`);
          deadlineExceeded = true;
        } else requeueAfterMs = remaining + 50;
      }
    }

    if (JSON.stringify(stripTimes(status)) !== JSON.stringify(stripTimes(previous)) || JSON.stringify(status.conditions) !== JSON.stringify(previous.conditions)) {
      try {
        await this.options.client.updateStatus(DEPLOYMENTS, { ...d, status });
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 };
        if (!isNotFound(err)) throw err;
      }
    }
    if (deadlineExceeded && d.metadata?.annotations?.[AUTO_ROLLBACK] === 'true') await this.autoRollback(d, newRS!, old, deadline);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /** Puts the previous revision's template back, with an event saying why. */
  private async autoRollback(d: Deployment, newRS: ReplicaSet, old: ReplicaSet[], deadline: number): Promise<void> {
    const previous = old.filter((rs) => revisionOf(rs) < revisionOf(newRS) && !templatesEqual(rs.spec?.template, newRS.spec?.template))
      .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    if (!previous) return;
    await this.options.client.patch(DEPLOYMENTS, d.metadata!.name!, [
      { op: 'replace', path: '/spec/template', value: templateWithoutHash(previous.spec?.template) },
    ], 'json', { namespace: d.metadata!.namespace });
    void this.recorder.warning(d, 'RolledBack',
      `Rolled back to revision ${revisionOf(previous)}: revision ${revisionOf(newRS)} (replica set "${newRS.metadata?.name}") did not progress within ${deadline}s`);
    this.logger.info({ deployment: d.metadata?.name, to: revisionOf(previous) }, 'automatic rollback');
  }
}

function stripTimes(status: DeploymentStatus): DeploymentStatus {
  const { conditions: _c, ...rest } = status;
  return rest;
}

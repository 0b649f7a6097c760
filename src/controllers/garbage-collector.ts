import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { pino, type Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { isConflict, isNotFound, type ApiClient, type DiscoveredResource, type PropagationPolicy } from '../client/api-client.js';
import type { Informer } from '../client/informer.js';
import { InformerFactory } from '../client/informer-factory.js';
import { Controller, type ReconcileResult } from './framework/controller.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Kubernetes' garbage collector does not track these (high churn, never owners). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

export interface GarbageCollectorOptions {
  client: ApiClient;
  logger?: Logger;
  /** Resources to track; default: every discovered resource that supports list, watch and delete. */
  resources?: DiscoveredResource[];
  /** Share informers with other controllers in the process. */
  factory?: InformerFactory;
  workers?: number;
  /** How long start() waits for caches before working with what it has; default 30 s. */
  syncTimeoutMs?: number;
}

interface Node {
  resource: DiscoveredResource;
  obj: KubeObject;
}

/**
 * Deletes objects whose owners are gone, over ownerReferences, for every kind the API server serves:
 * - background: an owner is gone → delete its dependents (Background);
 * - foreground: an owner being deleted with the `foregroundDeletion` finalizer → delete its dependents
 *   (blocking ones first), remove the finalizer once no blockOwnerDeletion dependent is left;
 * - orphan: an owner being deleted with the `orphan` finalizer → strip its ownerReference from dependents,
 *   then remove the finalizer.
 * Queue keys are object uids; the graph (uid → object, owner uid → dependent uids) is rebuilt from informers.
 */
export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byKind = new Map<string, DiscoveredResource>();
  private readonly informers: Array<Informer<KubeObject>> = [];
  private readonly controller: Controller;
  private readonly logger: Logger;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private stopped = false;

  constructor(private readonly options: GarbageCollectorOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'garbage-collector' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.controller = new Controller({
      name: 'garbage-collector', logger: options.logger, workers: options.workers ?? 4,
      reconcile: (uid) => this.reconcile(uid),
    });
  }

  async start(): Promise<void> {
    const all = this.options.resources ?? await this.discoverUntilStopped();
    if (this.stopped) return;
    const resources = all.filter((r) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))
      && !IGNORED.has(`${r.group}/${r.plural}`));
    for (const resource of resources) {
      this.byKind.set(kindKey(apiVersion(resource), resource.kind), resource);
      const informer = this.factory.informer<KubeObject>(resource);
      informer.addHandlers({
        onAdd: (obj) => this.observe(resource, obj, undefined),
        onUpdate: (oldObj, obj) => this.observe(resource, obj, oldObj),
        onDelete: (obj) => this.forget(obj),
      });
      this.informers.push(informer);
      informer.start();
    }
    await this.waitForCaches();
    await this.controller.start();
    this.logger.info({ resources: resources.length }, 'garbage collector started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  /** Discovery, retried until it answers (the API server may still be starting) or the collector is stopped. */
  private async discoverUntilStopped(): Promise<DiscoveredResource[]> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await this.options.client.discover();
      } catch (err) {
        if (this.stopped) return [];
        this.logger.warn({ err: (err as Error).message }, 'discovery failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Waits for every cache, but not forever: after a while it starts with what it has (an owner missing from
   * the caches is looked up live before anything is deleted, so a lagging cache never causes a wrong delete).
   */
  private async waitForCaches(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.options.syncTimeoutMs ?? 30_000); });
    const synced = Promise.all(this.informers.map((informer) => informer.waitForSync())).then(() => 'synced' as const);
    const outcome = await Promise.race([synced, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const lagging = this.informers.filter((i) => !i.hasSynced()).map((i) => i.ref.plural);
      this.logger.warn({ lagging }, 'starting before every cache synced');
    }
  }

  private observe(resource: DiscoveredResource, obj: KubeObject, old: KubeObject | undefined): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    if (old) this.unlinkOwners(uid, old);
    this.nodes.set(uid, { resource, obj });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
    if (!old || changed(old, obj)) this.controller.enqueue(uid);
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.nodes.delete(uid);
    this.unlinkOwners(uid, obj);
    // Its dependents may now be garbage; owners waiting in foreground may now be free to go.
    for (const dependent of this.dependents.get(uid) ?? []) this.controller.enqueue(dependent);
    for (const ref of obj.metadata.ownerReferences ?? []) this.controller.enqueue(ref.uid);
  }

  private unlinkOwners(uid: string, obj: KubeObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(ref.uid);
      set?.delete(uid);
      if (set && set.size === 0) this.dependents.delete(ref.uid);
    }
  }

  private async reconcile(uid: string): Promise<ReconcileResult | void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const meta = node.obj.metadata;
    if (meta.deletionTimestamp) {
      const finalizers = meta.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER)) return this.orphanDependents(node);
      if (finalizers.includes(FOREGROUND_FINALIZER)) return this.deleteDependentsInForeground(node);
      return;
    }
    if (meta.ownerReferences?.length) await this.checkOwners(node);
  }

  /** A live dependent: delete it when every owner is gone; drop references to gone owners when some remain. */
  private async checkOwners(node: Node): Promise<void> {
    const refs = node.obj.metadata.ownerReferences ?? [];
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const state = await this.ownerState(node, ref);
      (state === 'absent' ? dangling : state === 'waiting' ? waiting : solid).push(ref);
    }
    if (solid.length === refs.length) return;
    if (solid.length > 0) {
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.editDependent(node, (obj) => {
        obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
        if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
      });
      return;
    }
    const finalizers = node.obj.metadata.finalizers ?? [];
    const policy: PropagationPolicy = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan'
      : waiting.length > 0 || finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    this.logger.info({ object: describe(node), policy }, 'deleting object whose owners are gone');
    await this.deleteObject(node, policy);
  }

  /** 'solid' also covers owners we cannot check (unknown kinds): never delete on doubt. */
  private async ownerState(node: Node, ref: OwnerReference): Promise<'solid' | 'absent' | 'waiting'> {
    const cached = this.nodes.get(ref.uid);
    if (cached) return isWaitingForDependents(cached.obj) ? 'waiting' : 'solid';
    const resource = this.byKind.get(kindKey(ref.apiVersion, ref.kind));
    if (!resource) return 'solid';
    if (resource.namespaced && !node.obj.metadata.namespace) return 'solid';
    try {
      const owner = await this.options.client.get(resource, ref.name, {
        namespace: resource.namespaced ? node.obj.metadata.namespace : undefined,
      });
      if (owner.metadata.uid !== ref.uid) return 'absent';
      return isWaitingForDependents(owner) ? 'waiting' : 'solid';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  private async deleteDependentsInForeground(owner: Node): Promise<ReconcileResult | void> {
    const uid = owner.obj.metadata.uid!;
    const dependents = [...(this.dependents.get(uid) ?? [])]
      .map((d) => this.nodes.get(d))
      .filter((d): d is Node => d !== undefined);
    const blocks = (d: Node): boolean => (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true);
    dependents.sort((a, b) => Number(blocks(b)) - Number(blocks(a)));
    for (const dependent of dependents) {
      if (dependent.obj.metadata.deletionTimestamp) continue;
      const hasOwnDependents = (this.dependents.get(dependent.obj.metadata.uid!)?.size ?? 0) > 0;
      await this.deleteObject(dependent, hasOwnDependents ? 'Foreground' : 'Background');
    }
    if (dependents.some(blocks)) return { requeueAfterMs: 2000 }; // also re-queued as each dependent goes
    await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
  }

  private async orphanDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    for (const dependentUid of [...(this.dependents.get(uid) ?? [])]) {
      const dependent = this.nodes.get(dependentUid);
      if (!dependent) continue;
      await this.editDependent(dependent, (obj) => {
        obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
      });
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private async deleteObject(node: Node, propagationPolicy: PropagationPolicy): Promise<void> {
    const { name, namespace, uid } = node.obj.metadata;
    try {
      await this.options.client.delete(node.resource, name!, {
        namespace: node.resource.namespaced ? namespace : undefined,
        propagationPolicy, preconditions: { uid },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return; // gone already, or a different object now has the name
      throw err;
    }
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await this.editDependent(node, (obj) => {
      obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }

  /** GET the fresh object, change it, PUT it back; retried on conflict by the queue. */
  private async editDependent(node: Node, edit: (obj: KubeObject) => void): Promise<void> {
    const { name, namespace, uid } = node.obj.metadata;
    const scope = { namespace: node.resource.namespaced ? namespace : undefined };
    let fresh: KubeObject;
    try {
      fresh = await this.options.client.get(node.resource, name!, scope);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata.uid !== uid) return;
    edit(fresh);
    try {
      await this.options.client.update(node.resource, fresh, scope);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

export async function startGarbageCollector(options: GarbageCollectorOptions): Promise<GarbageCollector> {
  const gc = new GarbageCollector(options);
  await gc.start();
  return gc;
}

function isWaitingForDependents(obj: KubeObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp) && (obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

function changed(old: KubeObject, obj: KubeObject): boolean {
  return JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(obj.metadata.ownerReferences)
    || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp
    || JSON.stringify(old.metadata.finalizers) !== JSON.stringify(obj.metadata.finalizers);
}

function apiVersion(ref: { group: string; version: string }): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

function kindKey(apiVersionText: string, kind: string): string {
  return `${apiVersionText}|${kind}`;
}

function describe(node: Node): string {
  const { namespace, name } = node.obj.metadata;
  return `${node.resource.plural}/${namespace ? `${namespace}/` : ''}${name}`;
}

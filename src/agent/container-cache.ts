// The agent's view of its runtime containers (kubelet's PLEG cache): refreshed by a periodic relist and after
// every change the agent makes, indexed by pod uid. Exited containers are final and never re-read.
import type { ContainerRuntime, ContainerStatus } from '../runtime/runtime.js';
import { identityOf } from './container-labels.js';

export class ContainerCache {
  private readonly byId = new Map<string, ContainerStatus>();
  /** When the agent last recorded each container itself (a sequence number), to tell it from older relists. */
  private readonly touched = new Map<string, number>();
  private sequence = 0;

  constructor(private readonly runtime: ContainerRuntime) {}

  all(): ContainerStatus[] {
    return [...this.byId.values()];
  }

  get(id: string): ContainerStatus | undefined {
    return this.byId.get(id);
  }

  ofPod(uid: string): ContainerStatus[] {
    return this.all().filter((c) => identityOf(c)?.podUid === uid);
  }

  /** Relists the runtime; returns the pod uids whose containers appeared, changed state or vanished. */
  async refresh(): Promise<Set<string>> {
    // A relist races with the pod workers: a container they create, start or remove while runtime.list() runs
    // must keep the state they recorded, not the older one of the list (which would hide or undo their change).
    const listedAt = ++this.sequence;
    const fresh = await this.runtime.list();
    const newer = (id: string): boolean => (this.touched.get(id) ?? 0) > listedAt;
    const changed = new Set<string>();
    const seen = new Set<string>();
    for (const c of fresh) {
      seen.add(c.id);
      if (newer(c.id)) continue;
      const old = this.byId.get(c.id);
      if (!old || old.state !== c.state) {
        const uid = identityOf(c)?.podUid;
        if (uid) changed.add(uid);
      }
      this.byId.set(c.id, c);
    }
    for (const [id, old] of this.byId) {
      if (seen.has(id) || newer(id)) continue;
      this.byId.delete(id);
      const uid = identityOf(old)?.podUid;
      if (uid) changed.add(uid);
    }
    for (const [id, at] of this.touched) if (at <= listedAt) this.touched.delete(id);
    return changed;
  }

  /** Re-reads one container (after create/start/stop); removes it from the cache if it is gone. */
  async update(id: string): Promise<ContainerStatus | undefined> {
    try {
      const status = await this.runtime.state(id);
      this.byId.set(id, status);
      this.touched.set(id, ++this.sequence);
      return status;
    } catch {
      this.byId.delete(id);
      this.touched.set(id, ++this.sequence);
      return undefined;
    }
  }

  /** Re-reads the pod's containers that may have changed (created or running ones). */
  async refreshPod(uid: string): Promise<ContainerStatus[]> {
    const mine = this.ofPod(uid);
    await Promise.all(mine.filter((c) => c.state === 'running' || c.state === 'created').map((c) => this.update(c.id)));
    return this.ofPod(uid);
  }

  /** Records a status the runtime just returned. */
  put(status: ContainerStatus): void {
    this.byId.set(status.id, status);
    this.touched.set(status.id, ++this.sequence);
  }

  forget(id: string): void {
    this.byId.delete(id);
    this.touched.set(id, ++this.sequence);
  }
}

// Runs startup, liveness and readiness probes of running containers on their own timers (kubelet's prober
// workers). Results are kept per runtime container id; a change of result re-syncs the pod.
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { runAction, type ProbeTarget } from './prober.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
export type ProbeResult = 'unknown' | 'success' | 'failure';

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  result: ProbeResult;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  running: boolean;
}

interface ContainerProbes {
  podUid: string;
  podKey: string;
  workers: Map<ProbeKind, Worker>;
  target: ProbeTarget;
  stopped: boolean;
}

export interface ProbeManagerHooks {
  /** A result changed: sync the pod. */
  onChange(podKey: string): void;
  /** A single probe attempt failed (kubelet's "Unhealthy" event). */
  onFailure(podKey: string, containerName: string, kind: ProbeKind, message: string): void;
}

const LABEL: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

export function probeLabel(kind: ProbeKind): string {
  return LABEL[kind];
}

export class ProbeManager {
  private readonly containers = new Map<string, ContainerProbes>();

  constructor(private readonly hooks: ProbeManagerHooks) {}

  /** Starts the probes of a running container once (idempotent per container id). */
  ensure(containerId: string, podUid: string, podKey: string, container: Container, startedAt: Date, target: ProbeTarget): void {
    if (this.containers.has(containerId)) return;
    const entry: ContainerProbes = { podUid, podKey, workers: new Map(), target, stopped: false };
    const add = (kind: ProbeKind, probe: Probe | undefined, initial: ProbeResult): void => {
      if (probe) entry.workers.set(kind, { kind, probe, result: initial, successes: 0, failures: 0, running: false });
    };
    add('startup', container.startupProbe, 'unknown');
    add('liveness', container.livenessProbe, 'success');
    add('readiness', container.readinessProbe, 'failure');
    this.containers.set(containerId, entry);
    for (const worker of entry.workers.values()) {
      const delay = Math.max(0, startedAt.getTime() + (worker.probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
      worker.timer = setTimeout(() => this.tick(containerId, entry, worker), delay);
    }
  }

  has(containerId: string): boolean {
    return this.containers.has(containerId);
  }

  result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.containers.get(containerId)?.workers.get(kind)?.result;
  }

  /** Started: no startup probe, or it has succeeded. */
  started(containerId: string): boolean {
    const w = this.containers.get(containerId)?.workers.get('startup');
    return !w || w.result === 'success';
  }

  /** Ready: started, and no readiness probe or it succeeds. */
  ready(containerId: string): boolean {
    if (!this.started(containerId)) return false;
    const w = this.containers.get(containerId)?.workers.get('readiness');
    return !w || w.result === 'success';
  }

  /** The container must be restarted: liveness or startup probe failed past its threshold. */
  failed(containerId: string): ProbeKind | undefined {
    const workers = this.containers.get(containerId)?.workers;
    if (workers?.get('startup')?.result === 'failure') return 'startup';
    if (workers?.get('liveness')?.result === 'failure') return 'liveness';
    return undefined;
  }

  stop(containerId: string): void {
    const entry = this.containers.get(containerId);
    if (!entry) return;
    entry.stopped = true;
    for (const w of entry.workers.values()) clearTimeout(w.timer);
    this.containers.delete(containerId);
  }

  stopPod(podUid: string): void {
    for (const [id, entry] of this.containers) if (entry.podUid === podUid) this.stop(id);
  }

  /** Stops probing containers not in `alive` (exited or removed). */
  retain(alive: Set<string>): void {
    for (const id of [...this.containers.keys()]) if (!alive.has(id)) this.stop(id);
  }

  stopAll(): void {
    for (const id of [...this.containers.keys()]) this.stop(id);
  }

  private async tick(containerId: string, entry: ContainerProbes, worker: Worker): Promise<void> {
    if (entry.stopped) return;
    const periodMs = (worker.probe.periodSeconds ?? 10) * 1000;
    const startupPending = worker.kind !== 'startup' && entry.workers.get('startup') && entry.workers.get('startup')!.result !== 'success';
    if (!startupPending && !worker.running) {
      worker.running = true;
      try {
        await this.probeOnce(entry, worker);
      } finally {
        worker.running = false;
      }
    }
    if (entry.stopped) return;
    // A started container no longer runs its startup probe; a failed liveness/startup waits for the restart.
    if (worker.kind === 'startup' && worker.result === 'success') return;
    if (worker.kind !== 'readiness' && worker.result === 'failure') return;
    worker.timer = setTimeout(() => this.tick(containerId, entry, worker), periodMs);
  }

  private async probeOnce(entry: ContainerProbes, worker: Worker): Promise<void> {
    const p = worker.probe;
    const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
    const outcome = await runAction(p, entry.target, timeoutMs);
    if (entry.stopped) return;
    const before = worker.result;
    if (outcome.ok) {
      worker.failures = 0;
      worker.successes++;
      const threshold = worker.kind === 'readiness' ? p.successThreshold ?? 1 : 1;
      if (worker.successes >= threshold) worker.result = 'success';
    } else {
      worker.successes = 0;
      worker.failures++;
      this.hooks.onFailure(entry.podKey, entry.target.container.name, worker.kind, outcome.message.trim());
      if (worker.failures >= (p.failureThreshold ?? 3)) worker.result = 'failure';
    }
    if (worker.result !== before) this.hooks.onChange(entry.podKey);
  }
}

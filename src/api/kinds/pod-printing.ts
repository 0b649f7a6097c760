/** The READY / STATUS / RESTARTS cells of `kubectl get pods`, computed as k/k printers.go printPod does. */
import type { Pod, ContainerStatus } from 'kubernetes-types/core/v1.js';
import { humanDuration } from '../printers/age.js';

export const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function time(ts: string | undefined): number {
  const ms = ts ? Date.parse(ts) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function lastTerminated(status: ContainerStatus): number {
  return time(status.lastState?.terminated?.finishedAt);
}

export function summarizePod(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;

  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === 'Always') totalContainers++;
  const isSidecar = (name: string) => initContainers.get(name)?.restartPolicy === 'Always';

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, lastTerminated(c));
    if (isSidecar(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, lastTerminated(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (isSidecar(c.name) && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, lastTerminated(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

/** IP, NODE, NOMINATED NODE, READINESS GATES (the -o wide cells). */
export function podWideCells(pod: Pod): string[] {
  const status = pod.status ?? {};
  const ip = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const node = pod.spec?.nodeName || '<none>';
  const nominated = status.nominatedNodeName || '<none>';
  const gates = pod.spec?.readinessGates ?? [];
  let readinessGates = '<none>';
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const condition = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      if (condition?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }
  return [ip, node, nominated, readinessGates];
}

/**
 * Fault injection for tests on hollow nodes: pods whose template carries these annotations "exit" after running
 * for a while, so Job-like workloads can succeed, fail and restart without real containers.
 *   stratus.io/hollow-exit-code: "0" | "1" | …   every container ends with this code (absent: runs forever)
 *   stratus.io/hollow-run-seconds: "0.5"          how long each run lasts before the exit (default 0)
 * With restartPolicy Never the pod ends Succeeded (code 0) or Failed; with OnFailure a non-zero exit restarts the
 * containers (restartCount + 1) and the pod stays Running; with Always every exit restarts them.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';

export const HOLLOW_EXIT_CODE = 'stratus.io/hollow-exit-code';
export const HOLLOW_RUN_SECONDS = 'stratus.io/hollow-run-seconds';

export interface HollowExit {
  code: number;
  runMs: number;
}

export function hollowExitOf(pod: Pod): HollowExit | undefined {
  const annotations = pod.metadata?.annotations ?? {};
  const code = annotations[HOLLOW_EXIT_CODE];
  if (code === undefined || !/^\d+$/.test(code)) return undefined;
  const seconds = Number(annotations[HOLLOW_RUN_SECONDS] ?? 0);
  return { code: Number(code), runMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0 };
}

/** True when this exit restarts the containers in place instead of ending the pod. */
export function restartsOnExit(pod: Pod, code: number): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && code !== 0);
}

/** The status after every container exited with `code` and the pod ended (Succeeded or Failed). */
export function exitedStatus(pod: Pod, code: number, startedAt: string, restartCount: number): PodStatus {
  const now = new Date().toISOString();
  const reason = code === 0 ? 'Completed' : 'Error';
  const notReady = { status: 'False', reason: 'PodCompleted', lastTransitionTime: now };
  return {
    ...pod.status,
    phase: code === 0 ? 'Succeeded' : 'Failed',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: startedAt },
      { type: 'Initialized', status: 'True', lastTransitionTime: startedAt },
      { type: 'ContainersReady', ...notReady },
      { type: 'Ready', ...notReady },
    ],
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, ready: false, started: false, restartCount, image: c.image ?? '', imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${pod.metadata?.uid}/${c.name}`,
      state: { terminated: { exitCode: code, reason, startedAt, finishedAt: now, containerID: `hollow://${pod.metadata?.uid}/${c.name}` } },
    })),
  };
}

/** The status after the containers exited with `code` and were restarted in place (restartCount went up). */
export function restartedStatus(pod: Pod, code: number, restartCount: number): PodStatus {
  const now = new Date().toISOString();
  return {
    ...pod.status,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, ready: true, started: true, restartCount, image: c.image ?? '', imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${pod.metadata?.uid}/${c.name}`, state: { running: { startedAt: now } },
      lastState: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt: now } },
    })),
  };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus } from '../../src/runtime/runtime.js';
import { computePodStatus, jsonEqual, podPhase, type ContainerView } from '../../src/agent/pod-status.js';

const now = new Date('2026-01-01T00:00:10Z');

function pod(restartPolicy: 'Always' | 'OnFailure' | 'Never', init = 0): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: {
      restartPolicy,
      initContainers: Array.from({ length: init }, (_, i) => ({ name: `init${i}`, image: 'busybox' })),
      containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }],
    },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

function rc(name: string, attempt: number, state: ContainerStatus['state'], exitCode?: number, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: `u_${name}_${attempt}`, state, oomKilled: false, createdAt: new Date('2026-01-01T00:00:01Z'), startedAt: new Date('2026-01-01T00:00:02Z'),
    ...(state === 'exited' ? { exitCode, finishedAt: new Date('2026-01-01T00:00:05Z') } : {}),
    labels: { 'io.stratus.container.attempt': String(attempt), 'io.stratus.container.name': name, 'io.stratus.pod.uid': 'u' },
    annotations: {}, logPath: '/dev/null', bundleDir: '/tmp', ...extra,
  };
}

function view(p: Pod, name: string, latest?: ContainerStatus, extra: Partial<ContainerView> = {}): ContainerView {
  const spec = [...(p.spec!.initContainers ?? []), ...p.spec!.containers].find((c) => c.name === name)!;
  return { spec, kind: name.startsWith('init') ? 'init' : 'app', ready: true, started: true, ...(latest ? { latest } : {}), ...extra };
}

test('phase follows kubelet: pending, running, succeeded, failed, restarting', () => {
  const p = pod('Never');
  assert.equal(podPhase(p, [view(p, 'a'), view(p, 'b')]), 'Pending');
  assert.equal(podPhase(p, [view(p, 'a', rc('a', 0, 'running')), view(p, 'b', rc('b', 0, 'exited', 0))]), 'Running');
  assert.equal(podPhase(p, [view(p, 'a', rc('a', 0, 'exited', 0)), view(p, 'b', rc('b', 0, 'exited', 0))]), 'Succeeded');
  assert.equal(podPhase(p, [view(p, 'a', rc('a', 0, 'exited', 0)), view(p, 'b', rc('b', 0, 'exited', 1))]), 'Failed');
  const always = pod('Always');
  assert.equal(podPhase(always, [view(always, 'a', rc('a', 0, 'exited', 0)), view(always, 'b', rc('b', 0, 'exited', 1))]), 'Running');
  const onFailure = pod('OnFailure');
  assert.equal(podPhase(onFailure, [view(onFailure, 'a', rc('a', 0, 'exited', 0)), view(onFailure, 'b', rc('b', 0, 'exited', 0))]), 'Succeeded');
  assert.equal(podPhase(onFailure, [view(onFailure, 'a', rc('a', 0, 'exited', 0)), view(onFailure, 'b', rc('b', 0, 'exited', 2))]), 'Running');
});

test('init containers: pending until all succeed; a failed one with Never fails the pod', () => {
  const p = pod('Never', 2);
  const apps = [view(p, 'a'), view(p, 'b')];
  assert.equal(podPhase(p, [view(p, 'init0', rc('init0', 0, 'exited', 0)), view(p, 'init1', rc('init1', 0, 'running')), ...apps]), 'Pending');
  assert.equal(podPhase(p, [view(p, 'init0', rc('init0', 0, 'exited', 1)), view(p, 'init1'), ...apps]), 'Failed');
  const always = pod('Always', 1);
  assert.equal(podPhase(always, [view(always, 'init0', rc('init0', 0, 'exited', 1)), view(always, 'a'), view(always, 'b')]), 'Pending');
  const s = computePodStatus({ pod: always, views: [view(always, 'init0', rc('init0', 0, 'running')), view(always, 'a'), view(always, 'b')], hostIP: '10.0.0.1', sandboxReady: true, now });
  assert.equal(s.conditions!.find((c) => c.type === 'Initialized')!.status, 'False');
  assert.equal(s.conditions!.find((c) => c.type === 'Initialized')!.message, 'containers with incomplete status: [init0]');
  assert.equal(s.containerStatuses![0]!.state!.waiting!.reason, 'PodInitializing');
});

test('container states: OOMKilled lastState under CrashLoopBackOff, restartCount from the attempt, readiness', () => {
  const p = pod('Always');
  const oom = rc('a', 3, 'exited', 137, { oomKilled: true, reason: 'OOMKilled' });
  const s = computePodStatus({
    pod: p,
    views: [
      view(p, 'a', oom, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } }),
      view(p, 'b', rc('b', 0, 'running'), { ready: false }),
    ],
    podIP: '10.244.1.5', hostIP: '10.0.0.1', sandboxReady: true, now,
  });
  const a = s.containerStatuses![0]!;
  assert.deepEqual(a.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } });
  assert.equal(a.lastState!.terminated!.reason, 'OOMKilled');
  assert.equal(a.lastState!.terminated!.exitCode, 137);
  assert.equal(a.restartCount, 3);
  assert.equal(a.ready, false);
  const b = s.containerStatuses![1]!;
  assert.equal(b.ready, false);
  assert.deepEqual(b.state, { running: { startedAt: '2026-01-01T00:00:02Z' } });
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.244.1.5');
  assert.deepEqual(s.podIPs, [{ ip: '10.244.1.5' }]);
  const ready = s.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.message, 'containers with unready status: [a b]');
  assert.equal(s.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2026-01-01T00:00:00Z');
});

test('status is stable: recomputing from its own output changes nothing (no write loops)', () => {
  const p = pod('Always');
  const views = [view(p, 'a', rc('a', 0, 'running')), view(p, 'b', rc('b', 0, 'running'))];
  const first = computePodStatus({ pod: p, views, podIP: '10.244.1.5', hostIP: '10.0.0.1', sandboxReady: true, now });
  const second = computePodStatus({ pod: { ...p, status: first }, views, podIP: '10.244.1.5', hostIP: '10.0.0.1', sandboxReady: true, now: new Date(now.getTime() + 60_000) });
  assert.ok(jsonEqual(first, second));
  assert.equal(second.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
});

test('Completed and Error reasons with termination messages', () => {
  const p = pod('Never');
  const s = computePodStatus({
    pod: p,
    views: [view(p, 'a', rc('a', 0, 'exited', 0), { latestMessage: 'bye' }), view(p, 'b', rc('b', 0, 'exited', 2))],
    hostIP: '10.0.0.1', sandboxReady: false, now,
  });
  assert.equal(s.phase, 'Failed');
  assert.equal(s.containerStatuses![0]!.state!.terminated!.reason, 'Completed');
  assert.equal(s.containerStatuses![0]!.state!.terminated!.message, 'bye');
  assert.equal(s.containerStatuses![1]!.state!.terminated!.reason, 'Error');
  assert.equal(s.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
});

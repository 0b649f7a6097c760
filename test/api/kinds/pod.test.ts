import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { defaultTolerationSeconds, podKind, setDefaultTolerationSeconds } from '../../../src/api/kinds/pod.js';
import { defaultImagePullPolicy } from '../../../src/api/kinds/pod-spec-defaults.js';
import { podQosClass } from '../../../src/api/kinds/pod-qos.js';
import type { KubeObject } from '../../../src/api/object.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:00:00Z';

function pod(spec: Record<string, unknown>, status?: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return obj('v1', 'Pod', status ? { spec, status } : { spec }, { name: 'web', creationTimestamp: created, ...meta });
}

const simple = { containers: [{ name: 'app', image: 'nginx:1.27' }] };

test('defaults: pod spec, containers, probes, admission fields and status', () => {
  const p = pod({
    containers: [{
      name: 'app', image: 'nginx', ports: [{ containerPort: 80 }],
      livenessProbe: { httpGet: { port: 80 } }, resources: { limits: { cpu: '500m', memory: '128Mi' } },
    }],
    volumes: [{ name: 'data' }, { name: 's', secret: { secretName: 's' } }],
  });
  assert.deepEqual(createCauses(podKind, p), []);
  const { spec, status } = p as unknown as Pod;
  assert.equal(spec!.restartPolicy, 'Always');
  assert.equal(spec!.dnsPolicy, 'ClusterFirst');
  assert.equal(spec!.schedulerName, 'default-scheduler');
  assert.equal(spec!.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec!.securityContext, {});
  assert.equal(spec!.enableServiceLinks, true);
  assert.equal(spec!.serviceAccountName, 'default');
  assert.equal(spec!.priority, 0);
  const c = spec!.containers[0]!;
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.ports![0]!.protocol, 'TCP');
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c.resources!.requests, { cpu: '500m', memory: '128Mi' });
  assert.deepEqual(spec!.volumes![0], { name: 'data', emptyDir: {} });
  assert.equal(spec!.volumes![1]!.secret!.defaultMode, 420);
  assert.deepEqual(spec!.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  assert.deepEqual(status, { phase: 'Pending', qosClass: 'Guaranteed' });
});

test('image pull policy follows the tag', () => {
  assert.equal(defaultImagePullPolicy('nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('127.0.0.1:5000/busybox'), 'Always');
  assert.equal(defaultImagePullPolicy('127.0.0.1:5000/busybox:1'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('busybox@sha256:abc'), 'IfNotPresent');
});

test('default toleration seconds are configurable and existing tolerations are kept', () => {
  const before = defaultTolerationSeconds();
  try {
    setDefaultTolerationSeconds({ notReady: 5, unreachable: 7 });
    const p = pod({ ...simple, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }] });
    podKind.applyDefaults(p);
    assert.deepEqual((p as unknown as Pod).spec!.tolerations!.map((t) => [t.key, t.tolerationSeconds]), [
      ['node.kubernetes.io/unreachable', 1], ['node.kubernetes.io/not-ready', 5],
    ]);
    const all = pod({ ...simple, tolerations: [{ operator: 'Exists' }] });
    podKind.applyDefaults(all);
    assert.equal((all as unknown as Pod).spec!.tolerations!.length, 1);
  } finally {
    setDefaultTolerationSeconds(before);
  }
  assert.deepEqual(defaultTolerationSeconds(), { notReady: 300, unreachable: 300 });
});

test('QoS classes', () => {
  assert.equal(podQosClass({ containers: [{ name: 'a' }] }), 'BestEffort');
  assert.equal(podQosClass({ containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }] }), 'Burstable');
  assert.equal(podQosClass({ containers: [{ name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] }), 'Guaranteed');
  assert.equal(podQosClass({ containers: [{ name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] }), 'Burstable');
  assert.equal(podQosClass({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }, { name: 'b' }] }), 'Burstable');
});

test('validation causes name the fields as Kubernetes does', () => {
  const p = pod({
    containers: [
      { name: 'App', image: '', ports: [{ containerPort: 70000, protocol: 'HTTP' }, { containerPort: 80, name: 'a--b' }] },
      { name: 'side', image: 'x', livenessProbe: { periodSeconds: 5 }, readinessProbe: { exec: { command: ['true'] }, successThreshold: 2 }, volumeMounts: [{ name: 'nope', mountPath: '/x' }] },
      { name: 'side', image: 'y', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
    ],
    restartPolicy: 'Sometimes',
    tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }],
  });
  const causes = createCauses(podKind, p);
  assert.deepEqual(fields(causes), [
    'spec.containers[0].name',
    'spec.containers[0].image',
    'spec.containers[0].ports[0].containerPort',
    'spec.containers[0].ports[0].protocol',
    'spec.containers[0].ports[1].name',
    'spec.containers[1].volumeMounts[0].name',
    'spec.containers[1].livenessProbe',
    'spec.containers[2].resources.requests',
    'spec.containers[2].name',
    'spec.restartPolicy',
    'spec.tolerations[0].operator',
  ]);
  const byField = Object.fromEntries(causes.map((c) => [c.field, c]));
  assert.equal(byField['spec.containers[0].image']!.message, 'Required value');
  assert.equal(byField['spec.containers[0].ports[0].containerPort']!.message, 'Invalid value: 70000: must be between 1 and 65535, inclusive');
  assert.equal(byField['spec.containers[2].name']!.reason, 'FieldValueDuplicate');
  assert.equal(byField['spec.restartPolicy']!.message, 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  assert.equal(byField['spec.containers[2].resources.requests']!.message, 'Invalid value: "2": must be less than or equal to cpu limit of 1');
  assert.equal(byField['spec.containers[1].volumeMounts[0].name']!.reason, 'FieldValueNotFound');
  assert.equal(byField['spec.containers[1].livenessProbe']!.message, 'Required value: must specify a handler type');
});

test('readiness probes may need more than one success; liveness probes may not', () => {
  const p = pod({ containers: [{ name: 'a', image: 'x', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }] });
  assert.deepEqual(fields(createCauses(podKind, p)), ['spec.containers[0].livenessProbe.successThreshold']);
});

test('updates may change images and add tolerations but nothing else in the spec', () => {
  const old = pod(simple);
  podKind.applyDefaults(old);
  const imageChange = structuredClone(old) as unknown as Pod;
  imageChange.spec!.containers[0]!.image = 'nginx:1.28';
  imageChange.spec!.tolerations!.push({ key: 'k', operator: 'Exists', effect: 'NoSchedule' });
  assert.deepEqual(podKind.validate(imageChange as unknown as KubeObject, old), []);

  const envChange = structuredClone(old) as unknown as Pod;
  envChange.spec!.containers[0]!.env = [{ name: 'A', value: '1' }];
  const causes = podKind.validate(envChange as unknown as KubeObject, old);
  assert.deepEqual(fields(causes), ['spec']);
  assert.match(causes[0]!.message, /^Forbidden: pod updates may not change fields other than/);

  const dropToleration = structuredClone(old) as unknown as Pod;
  dropToleration.spec!.tolerations = [];
  assert.deepEqual(fields(podKind.validate(dropToleration as unknown as KubeObject, old)), ['spec.tolerations']);

  const bind = structuredClone(old) as unknown as Pod;
  bind.spec!.nodeName = 'node-1';
  assert.deepEqual(podKind.validate(bind as unknown as KubeObject, old), [], 'binding sets nodeName once');
  const move = structuredClone(bind) as unknown as Pod;
  move.spec!.nodeName = 'node-2';
  assert.deepEqual(fields(podKind.validate(move as unknown as KubeObject, bind as unknown as KubeObject)), ['spec']);
});

function status(cells: Record<string, unknown>): [unknown, unknown, unknown] {
  return [cells['Ready'], cells['Status'], cells['Restarts']];
}

test('table: pending, running and the wide columns', () => {
  const p = pod(simple, { phase: 'Pending' });
  const pending = row(podKind, p, now);
  assert.deepEqual(Object.keys(pending), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(Object.values(pending), ['web', '0/1', 'Pending', '0', '60m', '<none>', '<none>', '<none>', '<none>']);
  const running = pod({ ...simple, nodeName: 'n1', readinessGates: [{ conditionType: 'x/ready' }] }, {
    phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }],
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'x/ready', status: 'True' }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:55:00Z' } } }],
  });
  const r = row(podKind, running, now);
  assert.deepEqual(status(r), ['1/1', 'Running', '2 (5m ago)']);
  assert.deepEqual([r['IP'], r['Node'], r['Readiness Gates']], ['10.1.0.5', 'n1', '1/1']);
  assert.equal(podKind.table.columns.filter((c) => c.priority > 0).length, 4);
});

test('table: STATUS strings computed like kubectl', () => {
  const crash = pod(simple, {
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  });
  assert.deepEqual(status(row(podKind, crash, now)), ['0/1', 'CrashLoopBackOff', '4']);

  const initSpec = { ...simple, initContainers: [{ name: 'init', image: 'busybox' }] };
  const init = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { running: {} } }],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
  });
  assert.deepEqual(status(row(podKind, init, now)), ['0/1', 'Init:0/1', '0']);

  const initFailed = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'init', ready: false, restartCount: 3, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
  });
  assert.deepEqual(status(row(podKind, initFailed, now)), ['0/1', 'Init:Error', '3']);

  const initCrash = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'init', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  });
  assert.equal(row(podKind, initCrash, now)['Status'], 'Init:CrashLoopBackOff');

  const initExit = pod(initSpec, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }],
  });
  assert.equal(row(podKind, initExit, now)['Status'], 'Init:ExitCode:2');

  const completed = pod({ ...simple, restartPolicy: 'Never' }, {
    phase: 'Succeeded',
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  });
  assert.deepEqual(status(row(podKind, completed, now)), ['0/1', 'Completed', '0']);

  const terminating = pod(simple, {
    phase: 'Running',
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
  }, { deletionTimestamp: '2026-01-01T00:59:00Z' });
  assert.deepEqual(status(row(podKind, terminating, now)), ['1/1', 'Terminating', '0']);

  const lost = pod(simple, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: '2026-01-01T00:59:00Z' });
  assert.equal(row(podKind, lost, now)['Status'], 'Unknown');

  const finishedAndDeleted = pod(simple, { phase: 'Succeeded' }, { deletionTimestamp: '2026-01-01T00:59:00Z' });
  assert.equal(row(podKind, finishedAndDeleted, now)['Status'], 'Succeeded');

  const pulling = pod(simple, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }] });
  assert.equal(row(podKind, pulling, now)['Status'], 'ErrImagePull');

  const evicted = pod(simple, { phase: 'Failed', reason: 'Evicted' });
  assert.equal(row(podKind, evicted, now)['Status'], 'Evicted');

  const gated = pod(simple, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  assert.equal(row(podKind, gated, now)['Status'], 'SchedulingGated');

  const killed = pod(simple, { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] });
  assert.equal(row(podKind, killed, now)['Status'], 'Signal:9');

  const sidecar = pod({ ...simple, initContainers: [{ name: 'log', image: 'x', restartPolicy: 'Always' }] }, {
    phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }],
    initContainerStatuses: [{ name: 'log', ready: true, started: true, restartCount: 1, state: { running: {} } }],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  });
  assert.deepEqual(status(row(podKind, sidecar, now)), ['1/2', 'Completed', '1']);
});

test('field selectors', () => {
  const p = pod({ ...simple, nodeName: 'n1' }, { phase: 'Running', podIP: '10.0.0.1' });
  podKind.applyDefaults(p);
  const get = (f: string) => podKind.fieldSelectors[f]!(p);
  assert.equal(get('spec.nodeName'), 'n1');
  assert.equal(get('status.phase'), 'Running');
  assert.equal(get('status.podIP'), '10.0.0.1');
  assert.equal(get('spec.restartPolicy'), 'Always');
  assert.equal(get('spec.schedulerName'), 'default-scheduler');
  assert.equal(get('spec.serviceAccountName'), 'default');
  assert.equal(get('status.nominatedNodeName'), '');
  const unscheduled = pod(simple);
  assert.equal(podKind.fieldSelectors['spec.nodeName']!(unscheduled), '');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceKind } from '../../../src/api/kinds/namespace.js';
import { nodeKind } from '../../../src/api/kinds/node.js';
import { priorityClassKind } from '../../../src/api/kinds/priorityclass.js';
import { leaseKind } from '../../../src/api/kinds/lease.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:00:00Z';

test('namespace defaults, name rule and table', () => {
  const ns = obj('v1', 'Namespace', {}, { name: 'team-a', namespace: undefined, creationTimestamp: created });
  assert.deepEqual(createCauses(namespaceKind, ns), []);
  assert.deepEqual(ns['spec'], { finalizers: ['kubernetes'] });
  assert.deepEqual(ns['status'], { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(row(namespaceKind, ns, now), { Name: 'team-a', Status: 'Active', Age: '60m' });
  assert.equal(namespaceKind.fieldSelectors['status.phase']!(ns), 'Active');
  const dotted = obj('v1', 'Namespace', {}, { name: 'a.b', namespace: undefined });
  assert.deepEqual(fields(createCauses(namespaceKind, dotted)), ['metadata.name'], 'namespace names are DNS-1123 labels');
  const scoped = obj('v1', 'Namespace', {}, { name: 'x', namespace: 'default' });
  assert.deepEqual(fields(createCauses(namespaceKind, scoped)), ['metadata.namespace']);
  assert.deepEqual(namespaceKind.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
});

function node(spec: Record<string, unknown>, status: Record<string, unknown>, labels: Record<string, string> = {}) {
  return obj('v1', 'Node', { spec, status }, { name: 'n1', namespace: undefined, labels, creationTimestamp: created });
}

test('node defaults, validation and table', () => {
  const n = node({}, {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0-stratus', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.18', containerRuntimeVersion: 'runc://1.1.5' },
  }, { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' });
  assert.deepEqual(createCauses(nodeKind, n), []);
  assert.deepEqual((n['status'] as { allocatable: unknown }).allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  assert.deepEqual(row(nodeKind, n, now), {
    Name: 'n1', Status: 'Ready', Roles: 'control-plane,worker', Age: '60m', Version: 'v1.32.0-stratus',
    'Internal-IP': '10.0.0.5', 'External-IP': '<none>', 'OS-Image': 'Debian GNU/Linux 12', 'Kernel-Version': '6.18', 'Container-Runtime': 'runc://1.1.5',
  });
  const cordoned = node({ unschedulable: true }, { conditions: [{ type: 'Ready', status: 'Unknown' }] });
  assert.deepEqual(nodeKind.table.cells(cordoned, now).slice(1, 3), ['NotReady,SchedulingDisabled', '<none>']);
  assert.equal(nodeKind.fieldSelectors['spec.unschedulable']!(cordoned), 'true');
  const fresh = node({}, {});
  assert.deepEqual(nodeKind.table.cells(fresh, now).slice(1, 2), ['Unknown']);
  assert.deepEqual(nodeKind.table.cells(fresh, now).slice(7), ['<unknown>', '<unknown>', '<unknown>']);
  const bad = node({ taints: [{ key: 'a', effect: 'Sometimes' }, { key: 'b' }, { key: 'c', effect: 'NoSchedule' }, { key: 'c', effect: 'NoSchedule' }], podCIDR: '10.0.0.0/33' }, { capacity: { cpu: 'lots' } });
  assert.deepEqual(fields(createCauses(nodeKind, bad)), ['spec.taints[0].effect', 'spec.taints[1].effect', 'spec.taints[3]', 'spec.podCIDR', 'status.capacity[cpu]', 'status.allocatable[cpu]']);
});

test('priority classes', () => {
  const pc = obj('scheduling.k8s.io/v1', 'PriorityClass', { value: 1000, globalDefault: false }, { name: 'high', namespace: undefined, creationTimestamp: created });
  assert.deepEqual(createCauses(priorityClassKind, pc), []);
  assert.equal(pc['preemptionPolicy'], 'PreemptLowerPriority');
  assert.deepEqual(row(priorityClassKind, pc, now), { Name: 'high', Value: 1000, 'Global-Default': false, Age: '60m', PreemptionPolicy: 'PreemptLowerPriority' });
  const tooHigh = obj('scheduling.k8s.io/v1', 'PriorityClass', { value: 2_000_000_000 }, { name: 'vip', namespace: undefined });
  assert.deepEqual(fields(createCauses(priorityClassKind, tooHigh)), ['value']);
  const system = obj('scheduling.k8s.io/v1', 'PriorityClass', { value: 2_000_000_000 }, { name: 'system-cluster-critical', namespace: undefined });
  assert.deepEqual(createCauses(priorityClassKind, system), []);
  const reserved = obj('scheduling.k8s.io/v1', 'PriorityClass', { value: 1 }, { name: 'system-mine', namespace: undefined });
  assert.deepEqual(fields(createCauses(priorityClassKind, reserved)), ['metadata.name']);
  const changed = structuredClone(pc);
  changed['value'] = 5;
  assert.deepEqual(fields(priorityClassKind.validate(changed, pc)), ['value']);
  assert.equal(priorityClassKind.namespaced, false);
});

test('leases', () => {
  const lease = obj('coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } }, { name: 'n1', namespace: 'kube-node-lease', creationTimestamp: created });
  assert.deepEqual(createCauses(leaseKind, lease), []);
  assert.deepEqual(row(leaseKind, lease, now), { Name: 'n1', Holder: 'n1', Age: '60m' });
  const bad = obj('coordination.k8s.io/v1', 'Lease', { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } });
  assert.deepEqual(fields(createCauses(leaseKind, bad)), ['spec.leaseDurationSeconds', 'spec.leaseTransitions']);
  const unheld = obj('coordination.k8s.io/v1', 'Lease', { spec: {} }, { name: 'l', creationTimestamp: created });
  assert.equal(row(leaseKind, unheld, now)['Holder'], '');
});

test('pod priority resolves from the named class, the global default, or 0', async () => {
  const { resolvePodPriority, applyPodPriority } = await import('../../../src/api/kinds/pod-priority.js');
  const classes = [
    { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' },
    { metadata: { name: 'normal' }, value: 10, globalDefault: true },
  ];
  assert.deepEqual(resolvePodPriority({ containers: [], priorityClassName: 'high' }, classes),
    { ok: true, priority: 1000, preemptionPolicy: 'Never', priorityClassName: 'high' });
  assert.deepEqual(resolvePodPriority({ containers: [] }, classes),
    { ok: true, priority: 10, preemptionPolicy: 'PreemptLowerPriority', priorityClassName: 'normal' });
  assert.deepEqual(resolvePodPriority({ containers: [] }, []), { ok: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  assert.equal(resolvePodPriority({ containers: [], priorityClassName: 'system-node-critical' }, []).ok, true);
  assert.deepEqual(resolvePodPriority({ containers: [], priorityClassName: 'nope' }, classes), { ok: false, message: 'no PriorityClass with name nope was found' });
  const spec: { containers: never[]; priority?: number; preemptionPolicy?: string; priorityClassName?: string } = { containers: [] };
  const resolved = resolvePodPriority(spec, classes);
  assert.ok(resolved.ok);
  applyPodPriority(spec, resolved);
  assert.deepEqual(spec, { containers: [], priority: 10, preemptionPolicy: 'PreemptLowerPriority', priorityClassName: 'normal' });
});

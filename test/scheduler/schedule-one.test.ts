import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterState } from '../../src/scheduler/framework/cluster-state.js';
import { makeProfile } from '../../src/scheduler/framework/profile.js';
import { scheduleOne, numFeasibleNodesToFind } from '../../src/scheduler/framework/schedule-one.js';
import { failureMessage } from '../../src/scheduler/framework/failure-message.js';
import { newPodInfo } from '../../src/scheduler/framework/pod-info.js';
import { findPreemption } from '../../src/scheduler/framework/preemption.js';
import { node, pod } from './fixtures.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';

const profile = makeProfile();

function cluster(nodes: Node[], pods: Pod[] = []): ClusterState {
  const state = new ClusterState();
  for (const n of nodes) state.setNode(n);
  for (const p of pods) state.setPod(p);
  return state;
}

function place(state: ClusterState, p: Pod, prof = profile): string {
  const result = scheduleOne(newPodInfo(p), state, prof, () => 0.99);
  if (!result.ok) return failureMessage(result.diagnosis);
  state.setPod({ ...p, spec: { ...p.spec!, nodeName: result.nodeName } });
  return result.nodeName;
}

test('resources: requests must fit allocatable minus what is bound; message counts each reason', () => {
  const state = cluster([node('a', { cpu: '1' }), node('b', { cpu: '2' }), node('c', { cpu: '4', memory: '1Gi' })]);
  assert.equal(place(state, pod('p1', { cpu: '3', memory: '100Mi' })), 'c');
  assert.equal(place(state, pod('p2', { cpu: '1500m', memory: '2Gi' })), 'b');
  assert.equal(place(state, pod('p3', { cpu: '1500m', memory: '9Gi' })), '0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.');
});

test('least-allocated spreads, most-allocated packs', () => {
  const spread = cluster([node('a'), node('b')]);
  assert.equal(place(spread, pod('p1', { cpu: '1' })), 'a'); // a tie: the injected random keeps the first
  assert.equal(place(spread, pod('p2', { cpu: '1' })), 'b');
  const pack = cluster([node('a'), node('b')]);
  const mostAllocated = makeProfile('MostAllocated');
  const first = place(pack, pod('p1', { cpu: '1' }), mostAllocated);
  assert.equal(place(pack, pod('p2', { cpu: '1' }), mostAllocated), first);
});

test('too many pods', () => {
  const state = cluster([node('a', { pods: 1 })], [pod('x', { nodeName: 'a' })]);
  assert.equal(place(state, pod('p')), '0/1 nodes are available: 1 Too many pods.');
});

test('node selector and required node affinity with every operator', () => {
  const state = cluster([
    node('a', { labels: { disk: 'ssd', gen: '3' } }),
    node('b', { labels: { disk: 'hdd', gen: '5' } }),
    node('c', { labels: { gen: '7' } }),
  ]);
  assert.equal(place(state, pod('sel', { spec: { nodeSelector: { disk: 'ssd' } } })), 'a');
  const affinity = (op: string, key: string, values?: string[]) => ({
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: op, values }] }] } },
  });
  assert.equal(place(state, pod('in', { spec: { affinity: affinity('In', 'disk', ['hdd']) } })), 'b');
  assert.equal(place(state, pod('dne', { spec: { affinity: affinity('DoesNotExist', 'disk') } })), 'c');
  assert.equal(place(state, pod('gt', { spec: { affinity: affinity('Gt', 'gen', ['6']) } })), 'c');
  assert.equal(place(state, pod('lt', { spec: { affinity: affinity('Lt', 'gen', ['4']) } })), 'a');
  assert.equal(place(state, pod('none', { spec: { affinity: affinity('In', 'disk', ['nvme']) } })),
    "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
});

test('preferred node affinity wins among feasible nodes', () => {
  const state = cluster([node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } })]);
  const p = pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
    { weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } },
  ] } } } });
  assert.equal(place(state, p), 'b');
});

test('taints and tolerations', () => {
  const state = cluster([
    node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    node('b', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
    node('c', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
  ]);
  assert.equal(place(state, pod('p1')), 'c');
  const tolerant = pod('p2', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
  assert.equal(place(state, tolerant), 'a'); // a has no PreferNoSchedule taint, c has one
  const s2 = cluster([node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), node('b', { unschedulable: true })]);
  assert.equal(place(s2, pod('p3')), "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable.");
});

test('required anti-affinity on hostname puts one replica per node, then fails', () => {
  const state = cluster([node('a'), node('b'), node('c')]);
  const anti = (name: string) => pod(name, { labels: { app: 'web' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
    { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
  ] } } } });
  const placed = new Set([place(state, anti('w1')), place(state, anti('w2')), place(state, anti('w3'))]);
  assert.deepEqual([...placed].sort(), ['a', 'b', 'c']);
  assert.equal(place(state, anti('w4')), "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  // An unrelated pod matching the selector is kept away by the existing pods' anti-affinity (symmetry).
  assert.equal(place(state, pod('other', { labels: { app: 'web' } })), "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.");
});

test('required pod affinity by zone, with the first pod of a self-affine group allowed anywhere', () => {
  const state = cluster([node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } }), node('c', { labels: { zone: 'z2' } })],
    [pod('db', { labels: { app: 'db' }, nodeName: 'a' })]);
  const withDb = pod('api', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
    { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' },
  ] } } } });
  assert.equal(place(state, withDb), 'a');
  const lonely = pod('cache', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
    { labelSelector: { matchLabels: { app: 'nothing' } }, topologyKey: 'zone' },
  ] } } } });
  assert.equal(place(state, lonely), "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
  const selfAffine = pod('s1', { labels: { app: 'group' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
    { labelSelector: { matchLabels: { app: 'group' } }, topologyKey: 'zone' },
  ] } } } });
  const first = place(state, selfAffine);
  assert.ok(['a', 'b', 'c'].includes(first));
});

test('affinity terms only see their namespaces unless a namespaceSelector widens them', () => {
  const state = cluster([node('a'), node('b')], [pod('db', { ns: 'data', labels: { app: 'db' }, nodeName: 'b' })]);
  state.setNamespace('data', { team: 'x' });
  state.setNamespace('default', {});
  const term = (extra: object) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
    { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname', ...extra },
  ] } });
  assert.match(place(state, pod('same-ns', { spec: { affinity: term({}) } })), /didn't match pod affinity rules/);
  assert.equal(place(state, pod('listed', { spec: { affinity: term({ namespaces: ['data'] }) } })), 'b');
  assert.equal(place(state, pod('selected', { spec: { affinity: term({ namespaceSelector: { matchLabels: { team: 'x' } } }) } })), 'b');
});

test('topology spread with maxSkew 1 over zones, and minDomains', () => {
  const state = cluster([
    node('a1', { labels: { zone: 'z1' } }), node('a2', { labels: { zone: 'z1' } }),
    node('b1', { labels: { zone: 'z2' } }), node('nolabel'),
  ]);
  const spread = (name: string, minDomains?: number) => pod(name, { labels: { app: 's' }, spec: { topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } }, minDomains },
  ] } });
  const zones = [place(state, spread('s1')), place(state, spread('s2')), place(state, spread('s3')), place(state, spread('s4'))]
    .map((n) => (n.startsWith('a') ? 'z1' : 'z2'));
  assert.equal(zones.filter((z) => z === 'z1').length, 2);
  assert.equal(zones.filter((z) => z === 'z2').length, 2);
  // With minDomains 3 and only two zones, the global minimum counts as 0: each zone may hold at most maxSkew.
  const s2 = cluster([node('a1', { labels: { zone: 'z1' } }), node('b1', { labels: { zone: 'z2' } })]);
  assert.ok(['a1', 'b1'].includes(place(s2, spread('m1', 3))));
  place(s2, spread('m2', 3));
  assert.equal(place(s2, spread('m3', 3)), "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.");
});

test('preemption picks the node with the cheapest victims', () => {
  const state = cluster([node('a', { cpu: '2' }), node('b', { cpu: '2' })], [
    pod('low-a', { cpu: '2', nodeName: 'a', priority: 10 }),
    pod('mid-b', { cpu: '2', nodeName: 'b', priority: 50 }),
  ]);
  const high = newPodInfo(pod('high', { cpu: '1', priority: 100 }));
  const result = scheduleOne(high, state, profile);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const preemption = findPreemption(high, state, profile, result.diagnosis);
  assert.ok(preemption.ok);
  if (!preemption.ok) return;
  assert.equal(preemption.nodeName, 'a');
  assert.deepEqual(preemption.victims.map((v) => v.name), ['low-a']);
  // Nothing may be preempted by a pod of equal or lower priority.
  const low = newPodInfo(pod('low', { cpu: '1', priority: 10 }));
  const r2 = scheduleOne(low, state, profile);
  assert.ok(!r2.ok);
  if (r2.ok) return;
  const p2 = findPreemption(low, state, profile, r2.diagnosis);
  assert.equal(p2.ok, false);
  if (!p2.ok) assert.equal(p2.message, 'preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod');
  assert.equal(state.pods.size, 2, 'simulation must leave the cluster state untouched');
});

test('adaptive sampling of nodes to score', () => {
  assert.equal(numFeasibleNodesToFind(50, 0), 50);
  assert.equal(numFeasibleNodesToFind(5000, 0), 500);
  assert.equal(numFeasibleNodesToFind(1000, 0), 420);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/api/object.js';
import { cpuQuantity, durationString, memoryQuantity, nodeMetrics, podMetrics } from '../../../src/apiserver/metrics/metrics-objects.js';
import { metricsResourceList, withMetricsDiscovery, withMetricsGroup } from '../../../src/apiserver/metrics/metrics-api.js';
import { parseQuantity } from '../../../src/api/quantity.js';

describe('metrics quantities', () => {
  test('CPU in the largest exact decimal unit', () => {
    assert.equal(cpuQuantity(0), '0');
    assert.equal(cpuQuantity(2e9), '2');
    assert.equal(cpuQuantity(250e6), '250m');
    assert.equal(cpuQuantity(1500e3), '1500u');
    assert.equal(cpuQuantity(12345), '12345n');
    assert.equal(parseQuantity(cpuQuantity(123456789)).toString(), '123456789n');
  });

  test('memory in the largest exact binary unit', () => {
    assert.equal(memoryQuantity(0), '0');
    assert.equal(memoryQuantity(4096), '4Ki');
    assert.equal(memoryQuantity(3 * 1024 * 1024), '3Mi');
    assert.equal(memoryQuantity(1000), '1000');
  });

  test('windows as Go durations', () => {
    assert.equal(durationString(1.5), '1.5s');
    assert.equal(durationString(15), '15s');
    assert.equal(durationString(60.25), '1m0.25s');
  });
});

describe('PodMetrics and NodeMetrics', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } } } as KubeObject;
  const cpu = (n?: number) => ({ time: '2024-01-02T15:04:05.123Z', usageCoreNanoSeconds: 1, ...(n === undefined ? {} : { usageNanoCores: n, usageWindowSeconds: 10 }) });
  const memory = { time: '2024-01-02T15:04:05.123Z', workingSetBytes: 2 * 1024 * 1024, usageBytes: 0, rssBytes: 0 };

  test('a pod with usage for every container', () => {
    const m = podMetrics(pod, { podRef: { name: 'web', namespace: 'default', uid: 'u1' }, containers: [{ name: 'b', cpu: cpu(5e6), memory }, { name: 'a', cpu: cpu(1e9), memory }] }, new Date('2024-01-02T15:04:06Z'));
    assert.deepEqual(m, {
      kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-02T15:04:06Z', labels: { app: 'web' } },
      timestamp: '2024-01-02T15:04:05Z', window: '10s',
      containers: [{ name: 'a', usage: { cpu: '1', memory: '2Mi' } }, { name: 'b', usage: { cpu: '5m', memory: '2Mi' } }],
    });
  });

  test('no metrics while a container has no CPU rate yet (as metrics-server drops such pods)', () => {
    assert.equal(podMetrics(pod, { podRef: { name: 'web', namespace: 'default', uid: 'u1' }, containers: [{ name: 'a', cpu: cpu(), memory }] }), undefined);
    assert.equal(podMetrics(pod, { podRef: { name: 'web', namespace: 'default', uid: 'u1' }, containers: [] }), undefined);
  });

  test('node usage', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } as KubeObject;
    assert.deepEqual(nodeMetrics(node, cpu(1234567), memory)?.usage, { cpu: '1234567n', memory: '2Mi' });
    assert.equal(nodeMetrics(node, cpu(), memory), undefined);
  });
});

describe('metrics.k8s.io discovery', () => {
  test('the group is added to /apis documents and lists pods and nodes with get and list', () => {
    const groups = withMetricsGroup({ kind: 'APIGroupList', groups: [{ name: 'apps' }] }) as { groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> };
    assert.deepEqual(groups.groups.map((g) => g.name), ['apps', 'metrics.k8s.io']);
    assert.equal(groups.groups[1]!.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
    const aggregated = withMetricsDiscovery({ items: [] }) as { items: Array<{ versions: Array<{ resources: Array<{ resource: string; scope: string; verbs: string[]; responseKind: { kind: string } }> }> }> };
    assert.deepEqual(aggregated.items[0]!.versions[0]!.resources.map((r) => [r.resource, r.scope, r.responseKind.kind, r.verbs.join(',')]),
      [['nodes', 'Cluster', 'NodeMetrics', 'get,list'], ['pods', 'Namespaced', 'PodMetrics', 'get,list']]);
    assert.equal((metricsResourceList()['resources'] as unknown[]).length, 2);
  });
});

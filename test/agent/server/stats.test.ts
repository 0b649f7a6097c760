import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CpuRateTracker } from '../../../src/agent/server/cpu-rate.js';
import { StatsCollector, type PodContainerRef } from '../../../src/agent/server/stats-summary.js';
import type { ContainerStats } from '../../../src/runtime/cgroup-stats.js';

describe('CPU rate from cumulative CPU time', () => {
  test('needs two samples at least the minimum window apart', () => {
    const t = new CpuRateTracker(1000);
    assert.equal(t.record('a', { cpuNanos: 0, timeMs: 0 }), undefined);
    assert.equal(t.record('a', { cpuNanos: 1e8, timeMs: 500 }), undefined, 'too soon after the first sample');
    // 0.5 s of CPU over 2 s = a quarter core.
    assert.deepEqual(t.record('a', { cpuNanos: 5e8, timeMs: 2000 }), { nanoCores: 250_000_000, windowMs: 2000 });
    // A sample soon after measures from the previous kept sample, over the longer window.
    assert.deepEqual(t.record('a', { cpuNanos: 5.5e8, timeMs: 2200 }), { nanoCores: 250_000_000, windowMs: 2200 });
    // The next full window starts at the last kept sample (2000).
    assert.deepEqual(t.record('a', { cpuNanos: 1.5e9, timeMs: 3000 }), { nanoCores: 1_000_000_000, windowMs: 1000 });
  });

  test('a counter that goes backwards (a new container) starts over; retain forgets the gone', () => {
    const t = new CpuRateTracker(1000);
    t.record('a', { cpuNanos: 5e9, timeMs: 0 });
    assert.equal(t.record('a', { cpuNanos: 1e6, timeMs: 2000 }), undefined);
    t.record('b', { cpuNanos: 0, timeMs: 0 });
    t.retain(new Set(['b']));
    assert.equal(t.size, 1);
  });
});

describe('stats summary', () => {
  const stats = (cpuNanos: number, ws: number, at: number): ContainerStats => ({
    timestamp: new Date(at), cpuUsageNanos: cpuNanos, memoryUsageBytes: ws + 4096, memoryWorkingSetBytes: ws, memoryRssBytes: ws, pids: 1,
  });

  test('groups containers by pod and samples twice when no rate is known yet', async () => {
    let clock = Date.now();
    let reads = 0;
    const refs: PodContainerRef[] = [
      { namespace: 'ns', pod: 'p', podUid: 'u1', container: 'a', containerId: 'u1_a_0' },
      { namespace: 'ns', pod: 'p', podUid: 'u1', container: 'b', containerId: 'u1_b_0' },
      { namespace: 'ns', pod: 'q', podUid: 'u2', container: 'a', containerId: 'u2_a_0' },
    ];
    const collector = new StatsCollector({
      nodeName: 'n1',
      minWindowMs: 20,
      listContainers: async () => refs,
      // Every container uses a tenth of a core; the node a full core.
      containerStats: async () => {
        reads++;
        return stats((clock - 1_000_000) * 1e5, 8192, clock);
      },
      // Called first in each sampling round: advances the clock by 25 ms.
      nodeStats: async () => {
        clock += 25;
        return stats((clock - 1_000_000) * 1e6, 1 << 20, clock);
      },
    });
    clock = 1_000_000;
    const summary = await collector.summary();
    assert.equal(summary.node.nodeName, 'n1');
    assert.equal(summary.node.cpu.usageNanoCores, 1e9);
    assert.equal(summary.pods.length, 2);
    const p = summary.pods.find((x) => x.podRef.uid === 'u1')!;
    assert.deepEqual(p.containers.map((c) => c.name), ['a', 'b']);
    assert.equal(p.containers[0]!.cpu.usageNanoCores, 1e8);
    assert.equal(p.containers[0]!.memory.workingSetBytes, 8192);
    assert.equal(reads, 6, 'two samples of three containers');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOciSpec, effectiveCapabilities, milliCpuToQuota, milliCpuToShares, DEFAULT_CAPABILITIES } from '../../src/runtime/oci-spec.js';

test('cpu shares and quota follow the Kubernetes formulas', () => {
  assert.equal(milliCpuToShares(undefined), 2);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToShares(100), 102);
  assert.equal(milliCpuToShares(1000), 1024);
  assert.equal(milliCpuToShares(1_000_000), 262144);
  assert.equal(milliCpuToQuota(500), 50000);
  assert.equal(milliCpuToQuota(5), 1000);
});

test('capabilities: default set, add and drop, ALL, privileged', () => {
  assert.deepEqual(effectiveCapabilities({}), [...DEFAULT_CAPABILITIES]);
  const caps = effectiveCapabilities({ capabilities: { add: ['NET_ADMIN'], drop: ['net_raw', 'CAP_KILL'] } });
  assert.ok(caps.includes('CAP_NET_ADMIN'));
  assert.ok(!caps.includes('CAP_NET_RAW'));
  assert.ok(!caps.includes('CAP_KILL'));
  assert.deepEqual(effectiveCapabilities({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), ['CAP_NET_BIND_SERVICE']);
  assert.ok(effectiveCapabilities({ privileged: true }).includes('CAP_SYS_ADMIN'));
});

test('spec carries process, mounts, namespaces, resources and hardening', () => {
  const spec = buildOciSpec({
    args: ['sh', '-c', 'echo hi'],
    env: ['A=1'],
    cwd: '/work',
    user: { uid: 1000, gid: 1000, additionalGids: [5] },
    hostname: 'pod-a',
    rootfs: '/r',
    readonlyRootfs: true,
    mounts: [{ source: '/host/data', destination: '/data', readOnly: true }],
    namespaces: { network: '/run/netns/p', ipc: '/ns/ipc', uts: '/ns/uts' },
    resources: { cpuRequestMilli: 250, cpuLimitMilli: 500, memoryLimitBytes: 64 << 20, pidsLimit: 100 },
    cgroupsPath: '/stratus/n1/pod/c',
    labels: { x: 'y' },
    annotations: { 'io.stratus/pod': 'p' },
  });
  assert.deepEqual(spec.process.args, ['sh', '-c', 'echo hi']);
  assert.ok(spec.process.env.some((e) => e.startsWith('PATH=')));
  assert.ok(spec.process.env.includes('A=1'));
  assert.equal(spec.process.cwd, '/work');
  assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [5] });
  assert.equal(spec.process.noNewPrivileges, true);
  assert.equal(spec.root.readonly, true);
  assert.equal(spec.hostname, 'pod-a');
  const data = spec.mounts.find((m) => m.destination === '/data');
  assert.deepEqual(data?.options, ['rbind', 'rprivate', 'ro']);
  for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']) {
    assert.ok(spec.mounts.some((m) => m.destination === d), d);
  }
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/p' });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'ipc'), { type: 'ipc', path: '/ns/ipc' });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'pid'), { type: 'pid' });
  assert.deepEqual(spec.linux.resources.cpu, { shares: 256, quota: 50000, period: 100000 });
  assert.deepEqual(spec.linux.resources.memory, { limit: 64 << 20, swap: 64 << 20 });
  assert.deepEqual(spec.linux.resources.pids, { limit: 100 });
  assert.deepEqual(spec.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
  assert.ok(spec.linux.maskedPaths?.includes('/proc/kcore'));
  assert.ok(spec.linux.readonlyPaths?.includes('/proc/sys'));
  assert.equal(spec.linux.cgroupsPath, '/stratus/n1/pod/c');
  assert.deepEqual(spec.annotations, { 'io.stratus/pod': 'p' });
});

test('privileged drops masking and allows devices', () => {
  const spec = buildOciSpec({ args: ['true'], rootfs: '/r', cgroupsPath: '/c', privileged: true });
  assert.equal(spec.linux.maskedPaths, undefined);
  assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
});

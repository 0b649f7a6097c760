import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildContainerConfig, type ContainerSpecInput } from '../../src/agent/container-spec.js';
import { buildOciSpec } from '../../src/runtime/oci-spec.js';

function input(dir: string, pod: Pod, image: Partial<ContainerSpecInput['image']> = {}): ContainerSpecInput {
  return {
    pod, container: pod.spec!.containers[0]!,
    image: { entrypoint: [], cmd: ['sh'], env: [], workingDir: '/srv', user: '', exposedPorts: [], labels: {}, volumes: [], ...image },
    args: ['sh'], env: ['A=1'], rootfs: join(dir, 'rootfs'),
    volumes: new Map([['data', { hostPath: join(dir, 'vol'), readOnly: false }], ['cfg', { hostPath: join(dir, 'cfg'), readOnly: true }]]),
    etc: { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv') },
    terminationLog: join(dir, 'term'),
    namespaces: { network: '/run/netns/x', ipc: join(dir, 'ipc'), uts: join(dir, 'uts') },
    cgroupsPath: '/stratus/n/podu/c_0', labels: { k: 'v' },
  };
}

test('a pod container maps to mounts, resources, user and security settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-cspec-'));
  try {
    mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true });
    writeFileSync(join(dir, 'rootfs', 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\nweb:x:33:33::/:/bin/sh\n');
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'default', uid: 'u' },
      spec: {
        securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
        containers: [{
          name: 'c', image: 'x',
          resources: { requests: { cpu: '250m' }, limits: { cpu: '1500m', memory: '128Mi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data', subPath: 'sub' }, { name: 'cfg', mountPath: '/etc/app' }],
          securityContext: { capabilities: { drop: ['NET_RAW'] }, readOnlyRootFilesystem: true },
          terminationMessagePath: '/tmp/term',
        }],
      },
    };
    const config = await buildContainerConfig(input(dir, pod, { user: 'web' }));
    assert.deepEqual(config.user, { uid: 33, gid: 33, additionalGids: [2000] });
    assert.equal(config.cwd, '/srv');
    assert.equal(config.readonlyRootfs, true);
    assert.equal(config.noNewPrivileges, true);
    assert.deepEqual(config.resources, { cpuRequestMilli: 250, cpuLimitMilli: 1500, memoryLimitBytes: 128 * 1024 * 1024 });
    assert.deepEqual(config.sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
    const byDest = Object.fromEntries(config.mounts!.map((m) => [m.destination, m]));
    assert.equal(byDest['/data']!.source, join(dir, 'vol', 'sub'));
    assert.equal(byDest['/data']!.readOnly, false);
    assert.equal(byDest['/etc/app']!.readOnly, true);
    assert.equal(byDest['/etc/hosts']!.source, join(dir, 'hosts'));
    assert.equal(byDest['/etc/resolv.conf']!.source, join(dir, 'resolv'));
    assert.equal(byDest['/tmp/term']!.source, join(dir, 'term'));
    const spec = buildOciSpec(config);
    assert.ok(!spec.process.capabilities.bounding.includes('CAP_NET_RAW'));
    assert.equal(spec.linux.resources.cpu?.shares, 256);
    assert.equal(spec.linux.resources.cpu?.quota, 150_000);
    assert.deepEqual(spec.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });

    const explicit: Pod = { ...pod, spec: { ...pod.spec!, securityContext: { runAsUser: 1000 }, containers: [{ name: 'c', securityContext: { runAsGroup: 5, privileged: true } }] } };
    const priv = await buildContainerConfig(input(dir, explicit, { user: 'web' }));
    assert.deepEqual(priv.user, { uid: 1000, gid: 5 });
    assert.equal(priv.privileged, true);
    assert.equal(priv.noNewPrivileges, false);
    await assert.rejects(buildContainerConfig({ ...input(dir, pod), args: [] }), /no command specified/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

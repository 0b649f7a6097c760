import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Backoff } from '../../src/agent/backoff.js';
import { hostsFile, resolvConf } from '../../src/agent/etc-files.js';
import { candidateRanges, choosePodCidr } from '../../src/agent/pod-cidr.js';
import { imageUser } from '../../src/agent/container-spec.js';
import { prerequisiteReport } from '../../src/agent/prerequisites.js';

test('back-off: first retry immediate, then base doubling to max; a long run resets it', () => {
  const b = new Backoff({ baseMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 });
  const t = new Date(1_000_000);
  assert.equal(b.remaining('k', t, t.getTime()), 0);
  b.next('k');
  assert.equal(b.remaining('k', t, t.getTime() + 1000), 9000);
  b.next('k');
  b.next('k');
  b.next('k');
  assert.equal(b.current('k'), 40_000);
  b.next('k', 600_000);
  assert.equal(b.current('k'), 10_000);
  b.forgetPrefix('k');
  assert.equal(b.current('k'), 0);
});

test('pod CIDR: deterministic per node name, skips taken ranges', () => {
  assert.equal(candidateRanges().length, 255);
  const a = choosePodCidr('node-a', new Set());
  assert.equal(choosePodCidr('node-a', new Set()), a);
  assert.match(a, /^10\.244\.\d+\.0\/24$/);
  assert.notEqual(choosePodCidr('node-a', new Set([a])), a);
});

test('/etc/hosts and resolv.conf as kubelet writes them', async () => {
  const pod: Pod = { metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [], hostname: 'h', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] } };
  const hosts = hostsFile(pod, '10.244.1.9', 'cluster.local');
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(hosts, /^10\.244\.1\.9\th\.sub\.shop\.svc\.cluster\.local\th$/m);
  assert.match(hosts, /^1\.2\.3\.4\ta\tb$/m);
  const dir = mkdtempSync(join(tmpdir(), 'stratus-resolv-'));
  try {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 9.9.9.9\nsearch corp\noptions edns0\n');
    const dns = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: join(dir, 'resolv.conf') };
    assert.equal(await resolvConf(pod, dns), 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.equal(await resolvConf(pod, { ...dns, clusterDns: [] }), 'search corp\nnameserver 9.9.9.9\noptions edns0\n');
    const custom: Pod = { ...pod, spec: { ...pod.spec!, dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] } } };
    assert.equal(await resolvConf(custom, dns), 'nameserver 1.1.1.1\noptions ndots:2\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('image USER resolves names through the rootfs passwd/group files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stratus-user-'));
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\napp:x:1000:1001::/:/bin/sh\n');
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
    assert.deepEqual(await imageUser(root, ''), { uid: 0 });
    assert.deepEqual(await imageUser(root, 'app'), { uid: 1000, gid: 1001 });
    assert.deepEqual(await imageUser(root, 'app:staff'), { uid: 1000, gid: 50 });
    assert.deepEqual(await imageUser(root, '42:43'), { uid: 42, gid: 43 });
    await assert.rejects(imageUser(root, 'ghost'), /unable to find user ghost/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('prerequisite report names the package to install', () => {
  assert.equal(prerequisiteReport([{ ok: true, what: 'runc', fix: 'apt-get install runc' }]), undefined);
  const report = prerequisiteReport([{ ok: false, what: 'runc', fix: 'apt-get install runc' }, { ok: false, what: 'CNI', fix: 'apt-get install containernetworking-plugins' }])!;
  assert.match(report, /runc: apt-get install runc/);
  assert.match(report, /apt-get install -y runc containernetworking-plugins/);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeNameFor, BridgeNetwork } from '../../src/network/bridge-network.js';
import { NetworkError } from '../../src/network/errors.js';
import { listNetns } from '../../src/network/netns.js';
import { inNetns, makeNetworkFixture, sh, type NetworkFixture } from './network-fixture.js';

let fx: NetworkFixture;
before(() => {
  fx = makeNetworkFixture({ mtu: 1450 });
});
after(async () => {
  await fx.cleanup();
});

test('bridge names stay within 15 characters and differ per node', () => {
  assert.equal(bridgeNameFor('node-1'), 'st-node-1');
  const long = bridgeNameFor('a-very-long-node-name.example.com');
  assert.ok(long.length <= 15);
  assert.notEqual(long, bridgeNameFor('a-very-long-node-name.example.org'));
  assert.throws(() => new BridgeNetwork({ nodeName: 'n', podCidr: '10.244.1.0', stateDir: '/tmp/x' }), NetworkError);
  assert.throws(() => new BridgeNetwork({ nodeName: 'n', podCidr: '10.244.1.0/24', stateDir: '/tmp/x', bridgeName: 'much-too-long-bridge' }), NetworkError);
});

test('two pods get addresses from the node range and reach each other over the bridge', async () => {
  const net = fx.network;
  const a = await net.setUp('pod-a', { cniArgs: { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'a' } });
  const b = await net.setUp('pod-b');
  const range = net.networkList().plugins[0]!.ipam as { ranges: Array<Array<{ subnet: string }>> };
  const prefix = range.ranges[0]![0]!.subnet.split('.').slice(0, 3).join('.');
  assert.ok(a.ip.startsWith(`${prefix}.`) && b.ip.startsWith(`${prefix}.`));
  assert.notEqual(a.ip, b.ip);
  assert.equal(a.gateway, `${prefix}.1`);
  assert.equal(a.prefixLength, 24);
  assert.ok(existsSync(a.netnsPath));

  assert.match(inNetns(a.netnsName, ['ping', '-c', '1', '-W', '2', b.ip]), /1 packets received/);
  assert.match(inNetns(a.netnsName, ['ip', 'link', 'show', 'eth0']), /mtu 1450/);
  assert.match(inNetns(a.netnsName, ['ip', 'route']), new RegExp(`default via ${prefix}\\.1`));
  assert.match(sh('ip', ['route', 'show', 'type', 'unreachable']), /10\.244\.0\.0\/16/);
  assert.match(sh('ip', ['route', 'show', 'type', 'unreachable']), /10\.96\.0\.0\/12/);

  // Masquerading: one rule for the node's pod range (no per-pod chain).
  const nat = sh('iptables-save', ['-t', 'nat']);
  assert.equal(nat.split('\n').filter((l) => l.includes(`stratus masquerade ${net.networkName}`) && l.includes('-j MASQUERADE')).length, 1, nat);
  assert.ok(!nat.includes(`id: \\"pod-a\\"`), 'no per-pod NAT chain');
  // Idempotent set-up: same attachment; CHECK passes.
  assert.deepEqual(await net.setUp('pod-a'), a);
  await net.check('pod-a');
});

test('tear-down is complete and idempotent', async () => {
  const net = fx.network;
  const a = await net.attachmentOf('pod-a');
  assert.ok(a);
  await net.tearDown('pod-a');
  await net.tearDown('pod-a');
  assert.ok(!existsSync(a.netnsPath));
  assert.equal(await net.attachmentOf('pod-a'), undefined);
  await assert.rejects(net.check('pod-a'), NetworkError);
  const ipam = join(fx.dir, 'state', 'ipam', net.networkName);
  assert.ok(!readdirSync(ipam).includes(a.ip), 'IP reservation released');
  assert.ok(!sh('iptables-save', ['-t', 'nat']).includes(`name: \\"${net.networkName}\\" id: \\"pod-a\\"`), 'no NAT rules left for the pod');
  // One veth left on the bridge: pod-b's.
  assert.equal(sh('ip', ['-o', 'link', 'show', 'master', net.bridgeName]).trim().split('\n').length, 1);
});

test('gc removes leftovers of a crash (record lost, netns and IP still there)', async () => {
  const net = fx.network;
  const c = await net.setUp('pod-c');
  unlinkSync(join(fx.dir, 'state', 'attachments', 'pod-c.json')); // the agent died before it could record
  assert.deepEqual((await net.knownAttachments()).sort(), ['pod-b', 'pod-c']);
  assert.deepEqual(await net.gc(['pod-b']), ['pod-c']);
  assert.ok(!existsSync(c.netnsPath));
  assert.ok(!readdirSync(join(fx.dir, 'state', 'ipam', net.networkName)).includes(c.ip));
  assert.ok(await net.attachmentOf('pod-b'));
});

test('destroy leaves no netns, veth, bridge or NAT rules', async () => {
  const net = fx.network;
  await net.destroy();
  assert.deepEqual(await listNetns(net.netnsPrefix), []);
  assert.throws(() => sh('ip', ['link', 'show', net.bridgeName]));
  assert.ok(!sh('iptables-save', ['-t', 'nat']).includes(net.networkName));
});

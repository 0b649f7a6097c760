import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeNetwork } from '../../src/network/bridge-network.js';
import { listNetns } from '../../src/network/netns.js';
import { inNetns, makeNetworkFixture, sh, type NetworkFixture } from './network-fixture.js';

let fx: NetworkFixture;
before(() => {
  fx = makeNetworkFixture({ poolSize: 2 });
});
after(async () => {
  await fx.cleanup();
});

async function poolFull(net: BridgeNetwork, size: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (net.poolReady() < size) {
    if (Date.now() > deadline) throw new Error(`pool has ${net.poolReady()} of ${size} entries after 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ipamOwners(): string[] {
  const dir = join(fx.dir, 'state', 'ipam', fx.network.networkName);
  return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).map((f) => sh('head', ['-n1', join(dir, f)]).trim());
}

test('a claimed pool entry is the pod\'s network: reachable, released by tearDown, and the pool refills', async () => {
  const net = fx.network;
  net.startPool();
  await poolFull(net, 2);
  assert.deepEqual(await net.knownAttachments(), [], 'waiting pool entries are not pods');

  const a = await net.claim('pod-a', { cniArgs: { K8S_POD_NAME: 'a' } });
  assert.ok(a, 'claimed from a full pool');
  assert.equal((await net.attachmentOf('pod-a'))?.ip, a.ip);
  const b = await net.setUp('pod-b');
  assert.match(inNetns(a.netnsName, ['ping', '-c', '1', '-W', '2', b.ip]), /1 packets received/);
  await net.check('pod-a');
  assert.deepEqual((await net.knownAttachments()).sort(), ['pod-a', 'pod-b']);
  // gc keeps the claimed entry's netns and address (they carry the pool id, the record says whose they are).
  assert.deepEqual(await net.gc(['pod-a', 'pod-b']), []);
  assert.ok(existsSync(a.netnsPath));

  // Pods with host ports are never served from the pool (portmap needs their mappings at ADD).
  assert.equal(await net.claim('pod-p', { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] }), undefined);
  // A pod that already has a network (agent restart) keeps it.
  assert.equal(await net.claim('pod-b'), undefined);

  await poolFull(net, 2);
  const owners = ipamOwners();
  await net.tearDown('pod-a');
  assert.ok(!existsSync(a.netnsPath));
  assert.equal(ipamOwners().length, owners.length - 1, 'the pod\'s address is released');
  await net.tearDown('pod-b');
});

test('pool entries left by an earlier process are garbage-collected; closePool removes the waiting ones', async () => {
  const net = fx.network;
  await poolFull(net, 2);
  // A new BridgeNetwork on the same state (the agent restarted): the old process's entries are leftovers.
  const next = new BridgeNetwork({ nodeName: net.nodeName, podCidr: (net.networkList().plugins[0]!.ipam as { ranges: Array<Array<{ subnet: string }>> }).ranges[0]![0]!.subnet, stateDir: join(fx.dir, 'state'), poolSize: 1 });
  const leftovers = await next.knownAttachments();
  assert.equal(leftovers.length, 2);
  assert.ok(leftovers.every((id) => id.startsWith('pool-')));
  assert.equal((await next.gc([])).length, 2);
  await net.closePool(); // idempotent for entries that are gone already
  assert.deepEqual(await listNetns(net.netnsPrefix), []);
  assert.deepEqual(ipamOwners(), []);
  next.startPool();
  await poolFull(next, 1);
  assert.equal((await listNetns(net.netnsPrefix)).length, 1);
  await next.closePool();
  assert.deepEqual(await listNetns(net.netnsPrefix), []);
  assert.equal(sh('ip', ['-o', 'link', 'show', 'master', net.bridgeName]).trim(), '');
});

// An agent with a pool of pre-attached pod networks: pods take an entry (its address is the pod's IP), pods with
// host ports and hostNetwork pods do not, deletion releases the pod's address and the pool stays full.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { listNetns } from '../../src/network/netns.js';
import { startAgentFixture, waitFor, type AgentFixture } from './agent-fixture.js';

let fx: AgentFixture;
before(async () => {
  fx = await startAgentFixture({ sandboxPoolSize: 2 });
});
after(async () => {
  await fx?.cleanup();
});

function bridgePorts(): number {
  return execFileSync('ip', ['-o', 'link', 'show', 'master', fx.agent.network.bridgeName], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

test('a pod runs on a pooled network with that address as its IP; delete releases it and the pool refills', async () => {
  await waitFor(() => fx.agent.network.poolReady() === 2 || undefined, 30_000, 'a full pool');
  await fx.createPod({ metadata: { name: 'pooled' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: fx.images.httpd1 }] } });
  const pod = await fx.waitPod('pooled', (p) => p.status?.phase === 'Running', 60_000, 'pooled Running');
  const uid = pod.metadata!.uid!;
  const attachment = await fx.agent.network.attachmentOf(uid);
  assert.ok(attachment);
  assert.match(attachment.netnsName, /-pool-[0-9a-f]+$/, 'the network came from the pool');
  assert.equal(pod.status?.podIP, attachment.ip);
  assert.equal(await (await fetch(`http://${attachment.ip}:8080/`)).text(), 'stratus httpd v1\n');
  await waitFor(() => fx.agent.network.poolReady() === 2 || undefined, 30_000, 'the pool to refill');
  assert.equal(bridgePorts(), 3);

  await fx.deletePod('pooled');
  await waitFor(() => !existsSync(attachment.netnsPath) || undefined, 10_000, 'the pod netns to go');
  assert.equal(await fx.agent.network.attachmentOf(uid), undefined);
  assert.deepEqual(await fx.agent.network.knownAttachments(), []);
  assert.equal(bridgePorts(), 2, 'only the waiting pool entries stay');
});

test('pods with host ports and hostNetwork pods do not take pool entries', async () => {
  await waitFor(() => fx.agent.network.poolReady() === 2 || undefined, 30_000, 'a full pool');
  await fx.createPod({
    metadata: { name: 'hostport' },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: fx.images.httpd1, ports: [{ containerPort: 8080, hostPort: 18431 }] }] },
  });
  await fx.createPod({
    metadata: { name: 'hostnet' },
    spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: fx.images.busybox, command: ['sleep', '1000'] }] },
  });
  const hp = await fx.waitPod('hostport', (p) => p.status?.phase === 'Running', 60_000, 'hostport Running');
  const hn = await fx.waitPod('hostnet', (p) => p.status?.phase === 'Running', 60_000, 'hostnet Running');
  const attachment = await fx.agent.network.attachmentOf(hp.metadata!.uid!);
  assert.equal(attachment?.netnsName, fx.agent.network.netnsNameFor(hp.metadata!.uid!));
  assert.equal(hp.status?.podIP, attachment?.ip);
  assert.equal(hn.status?.podIP, fx.agent.hostIP);
  assert.equal(fx.agent.network.poolReady(), 2);
  await Promise.all([fx.deletePod('hostport'), fx.deletePod('hostnet')]);
});

test('stopping the agent removes the waiting entries; a new agent fills its own pool', async () => {
  await fx.agent.stop();
  assert.deepEqual(await listNetns(fx.agent.network.netnsPrefix), []);
  assert.equal(bridgePorts(), 0);
  const next = await fx.restartAgent();
  await waitFor(() => next.network.poolReady() === 2 || undefined, 30_000, 'the new agent\'s pool');
  assert.equal((await listNetns(next.network.netnsPrefix)).length, 2);
});

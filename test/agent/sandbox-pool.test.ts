// An agent with a pool of pre-made pod sandboxes (netns on the bridge with an address, IPC and UTS namespaces):
// pods take an entry (its address is the pod's IP, its namespaces the pod's), pods with host ports and hostNetwork
// pods do not, deletion releases the pod's address and the pool stays full; a restarted agent keeps pooled pods
// on their network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextSink } from '../../src/agent/prober.js';
import { listNetns } from '../../src/network/netns.js';
import { startAgentFixture, waitFor, type AgentFixture } from './agent-fixture.js';

let fx: AgentFixture;
before(async () => {
  fx = await startAgentFixture({ sandboxPoolSize: 2 });
});
after(async () => {
  await fx?.cleanup();
});

async function execIn(id: string, args: string[]): Promise<string> {
  const out = new TextSink();
  await fx.agent.runtime.exec(id, { args, stdout: out });
  return out.text;
}

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
  // The pool entry's IPC/UTS namespaces moved to the pod; the hostname is the pod's (set by runc).
  const nsDir = join(fx.agent.paths.podDir(uid), 'ns');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
  assert.ok(mounts.includes(join(nsDir, 'ipc')) && mounts.includes(join(nsDir, 'uts')), 'the pod owns the pool entry\'s namespaces');
  const id = pod.status!.containerStatuses![0]!.containerID!.replace('stratus://', '');
  assert.equal(await execIn(id, ['hostname']), 'pooled\n');
  await waitFor(() => fx.agent.network.poolReady() === 2 || undefined, 30_000, 'the pool to refill');
  assert.equal(bridgePorts(), 3);
  assert.equal(readdirSync(fx.agent.paths.poolDir).length, 2, 'IPC/UTS namespaces of the two waiting entries');

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

test('a restarted agent keeps a pooled pod on its network: a restarted container joins the same netns', async () => {
  await waitFor(() => fx.agent.network.poolReady() === 2 || undefined, 30_000, 'a full pool');
  await fx.createPod({ metadata: { name: 'survivor' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: fx.images.httpd1 }] } });
  const pod = await fx.waitPod('survivor', (p) => p.status?.phase === 'Running', 60_000, 'survivor Running');
  const uid = pod.metadata!.uid!;
  const before = (await fx.agent.network.attachmentOf(uid))!;
  assert.match(before.netnsName, /-pool-/);
  await fx.agent.stop();
  const next = await fx.restartAgent();
  // The container dies; the restarted agent starts a new one, which must join the pod's (pooled) netns.
  const id = pod.status!.containerStatuses![0]!.containerID!.replace('stratus://', '');
  await next.runtime.kill(id, 'KILL');
  const again = await fx.waitPod('survivor', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.state?.running, 60_000, 'survivor restarted');
  assert.equal(again.status?.podIP, before.ip);
  assert.equal((await next.network.attachmentOf(uid))?.netnsName, before.netnsName);
  await waitFor(async () => ((await fetch(`http://${before.ip}:8080/`).then((r) => r.text(), () => '')) === 'stratus httpd v1\n' ? true : undefined), 20_000, 'the restarted container to serve on the pod IP');
  assert.ok(!(await listNetns(next.network.netnsPrefix)).includes(next.network.netnsNameFor(uid)), 'no second netns for the pod');
  await fx.deletePod('survivor');
});

test('stopping the agent removes the waiting entries; a new agent fills its own pool', async () => {
  await fx.agent.stop();
  assert.deepEqual(await listNetns(fx.agent.network.netnsPrefix), []);
  assert.equal(bridgePorts(), 0);
  assert.deepEqual(readdirSync(fx.agent.paths.poolDir), [], 'no IPC/UTS namespaces of waiting entries');
  const next = await fx.restartAgent();
  await waitFor(() => next.network.poolReady() === 2 || undefined, 30_000, 'the new agent\'s pool');
  assert.equal((await listNetns(next.network.netnsPrefix)).length, 2);
});

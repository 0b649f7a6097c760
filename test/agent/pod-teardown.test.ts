// Graceful deletion (preStop, SIGTERM, grace period) leaves nothing behind; image failures give clear statuses
// while other pods keep working.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_SANDBOX_POOL_SIZE } from '../../src/agent/agent.js';
import { SECRETS } from '../../src/client/resources.js';
import { closedPort, startRegistry } from '../fixtures/registry.js';
import { containerStatus, startAgentFixture, waitFor, type AgentFixture } from './agent-fixture.js';

let fx: AgentFixture;
before(async () => {
  fx = await startAgentFixture();
});
after(async () => {
  await fx?.cleanup();
});

function runcIds(): string[] {
  return execFileSync('runc', ['--root', `${fx.agent.paths.runtimeDir}/runc`, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
}

function netnsNames(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

function bridgePorts(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show', 'master', fx.agent.network.bridgeName], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

test('deleting a pod runs preStop, stops gracefully and removes every trace', async () => {
  await fx.createPod({
    metadata: { name: 'graceful' },
    spec: {
      terminationGracePeriodSeconds: 3,
      volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }, { name: 'host', hostPath: { path: `${fx.dir}/hostdir`, type: 'DirectoryOrCreate' } }],
      containers: [{
        name: 'main', image: fx.images.busybox,
        // Exits 1 s after SIGTERM, after the preStop hook left its mark on the host path; httpd (PID 1 without a
        // TERM handler) is killed when the 3 s grace period ends.
        command: ['sh', '-c', 'trap "sleep 1; exit 0" TERM; while true; do sleep 0.2; done'],
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop > /host/marker'] } } },
        volumeMounts: [{ name: 'mem', mountPath: '/mem' }, { name: 'host', mountPath: '/host' }],
        resources: { limits: { cpu: '500m', memory: '64Mi' } },
      }, { name: 'side', image: fx.images.httpd1 }],
    },
  });
  const pod = await fx.waitPod('graceful', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running), 60_000, 'graceful Running');
  const uid = pod.metadata!.uid!;
  assert.equal(pod.status?.qosClass, 'Burstable');
  // The pod's network namespace: its own, or a pre-made one from the node's sandbox pool.
  const netns = (await fx.agent.network.attachmentOf(uid))!.netnsName;
  assert.ok(netnsNames().includes(netns));
  assert.equal(runcIds().filter((id) => id.startsWith(uid)).length, 2);
  assert.ok(mountsUnder(fx.agent.paths.podDir(uid)).length > 0);
  await waitFor(() => fx.agent.network.poolReady() === DEFAULT_SANDBOX_POOL_SIZE || undefined, 30_000, 'a full pool');
  assert.equal(bridgePorts().length, DEFAULT_SANDBOX_POOL_SIZE + 1, 'the pod and the waiting pool entries');
  const cgroup = `/sys/fs/cgroup/memory/stratus/${fx.nodeName}/pod${uid}`;
  assert.ok(existsSync(cgroup));
  assert.equal(readFileSync(`${cgroup}/main_0/memory.limit_in_bytes`, 'utf8').trim(), String(64 * 1024 * 1024));

  const t0 = Date.now();
  await fx.deletePod('graceful', 30_000);
  const took = Date.now() - t0;
  assert.ok(took >= 2500 && took < 6000, `graceful stop took ${took} ms`);
  assert.equal(readFileSync(`${fx.dir}/hostdir/marker`, 'utf8'), 'prestop\n');
  assert.deepEqual(runcIds().filter((id) => id.startsWith(uid)), []);
  assert.deepEqual(mountsUnder(fx.agent.paths.podDir(uid)), []);
  assert.deepEqual(mountsUnder(`${fx.agent.paths.root}/rootfs/${uid}`), []);
  assert.ok(!netnsNames().includes(netns));
  assert.equal(bridgePorts().length, DEFAULT_SANDBOX_POOL_SIZE, 'only the waiting pool entries');
  assert.deepEqual(await fx.agent.network.knownAttachments(), [], 'no attachment but the pool\'s');
  assert.ok(!existsSync(fx.agent.paths.podDir(uid)));
  assert.ok(!existsSync(cgroup));
  assert.ok(existsSync(`${fx.dir}/hostdir`), 'hostPath contents stay');
});

test('bad image name, unreachable registry and wrong digest each give a clear status; other pods keep running', async () => {
  const dead = `127.0.0.1:${await closedPort()}`;
  const missingDigest = `${fx.registry.host}/busybox@sha256:${'0'.repeat(64)}`;
  await fx.createPod({ metadata: { name: 'badname' }, spec: { containers: [{ name: 'c', image: 'UPPER/Case::bad' }] } });
  await fx.createPod({ metadata: { name: 'unreachable' }, spec: { containers: [{ name: 'c', image: `${dead}/busybox:1` }] } });
  await fx.createPod({ metadata: { name: 'baddigest' }, spec: { containers: [{ name: 'c', image: missingDigest }] } });
  await fx.createPod({ metadata: { name: 'fine' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: fx.images.httpd2 }] } });

  const badname = await fx.waitPod('badname', (p) => !!containerStatus(p, 'c')?.state?.waiting?.message, 30_000, 'badname waiting');
  assert.equal(containerStatus(badname, 'c')!.state!.waiting!.reason, 'InvalidImageName');
  assert.equal(badname.status?.phase, 'Pending');

  const unreachable = await fx.waitPod('unreachable', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(containerStatus(p, 'c')?.state?.waiting?.reason ?? ''), 30_000, 'unreachable ErrImagePull');
  assert.match(containerStatus(unreachable, 'c')!.state!.waiting!.message ?? '', /connection refused/);
  await fx.waitPod('unreachable', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'ImagePullBackOff', 30_000, 'unreachable ImagePullBackOff');

  const baddigest = await fx.waitPod('baddigest', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(containerStatus(p, 'c')?.state?.waiting?.reason ?? ''), 30_000, 'baddigest ErrImagePull');
  assert.match(containerStatus(baddigest, 'c')!.state!.waiting!.message ?? '', /manifest unknown|not found/i);

  const fine = await fx.waitPod('fine', (p) => p.status?.phase === 'Running', 60_000, 'fine Running');
  const res = await fetch(`http://${fine.status!.podIP}:8080/`);
  assert.equal(await res.text(), 'stratus httpd v2\n');

  for (const name of ['badname', 'unreachable', 'baddigest', 'fine']) await fx.deletePod(name);
  await waitFor(() => (runcIds().length === 0 ? true : undefined), 10_000, 'no containers left');
});

test('imagePullSecrets: a registry with basic auth pulls with the secret and refuses without it', async () => {
  const secured = await startRegistry({ auth: 'basic', storageDir: fx.registry.storageDir });
  try {
    const image = `${secured.host}/httpd:1`;
    const { username, password } = secured.credentials!;
    const dockerconfig = { auths: { [secured.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
    await fx.client.create(SECRETS, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)).toString('base64') },
    }, { namespace: 'default' });
    await fx.createPod({ metadata: { name: 'nocreds' }, spec: { containers: [{ name: 'c', image, imagePullPolicy: 'Always' }] } });
    await fx.createPod({ metadata: { name: 'withcreds' }, spec: { terminationGracePeriodSeconds: 1, imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c', image, imagePullPolicy: 'Always' }] } });
    const denied = await fx.waitPod('nocreds', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(containerStatus(p, 'c')?.state?.waiting?.reason ?? ''), 30_000, 'nocreds refused');
    assert.match(containerStatus(denied, 'c')!.state!.waiting!.message ?? '', /unauthorized|authentication required/i);
    await fx.waitPod('withcreds', (p) => p.status?.phase === 'Running', 60_000, 'withcreds Running');
    await fx.deletePod('nocreds');
    await fx.deletePod('withcreds');
  } finally {
    await secured.stop();
  }
});

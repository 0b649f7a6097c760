// Restarts and probes with real runc: OOMKilled + CrashLoopBackOff, liveness restarts, readiness, init order,
// configMap/secret/downwardAPI volumes and env, termination messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { CONFIGMAPS, EVENTS, SECRETS } from '../../src/client/resources.js';
import { conditionOf, containerStatus, startAgentFixture, waitFor, type AgentFixture } from './agent-fixture.js';
import { readFileSync } from 'node:fs';

let fx: AgentFixture;
before(async () => {
  fx = await startAgentFixture();
});
after(async () => {
  await fx?.cleanup();
});

async function eventsOf(name: string): Promise<Event[]> {
  const list = await fx.client.list(EVENTS, { namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

test('a container over its memory limit is OOMKilled and restarted with back-off', async () => {
  await fx.createPod({
    metadata: { name: 'oom' },
    spec: {
      containers: [{
        name: 'hog', image: fx.images.busybox,
        command: ['sh', '-c', 'x=$(head -c 100m /dev/zero | tr "\\0" x); echo survived'],
        resources: { limits: { memory: '16Mi' } },
      }],
    },
  });
  const t0 = Date.now();
  const pod = await fx.waitPod('oom', (p) => (containerStatus(p, 'hog')?.restartCount ?? 0) >= 2, 60_000, 'two restarts');
  const cs = containerStatus(pod, 'hog')!;
  const last = cs.lastState?.terminated ?? cs.state?.terminated;
  assert.equal(last?.reason, 'OOMKilled', JSON.stringify(cs));
  assert.equal(last?.exitCode, 137);
  assert.equal(pod.status?.qosClass, 'Burstable');
  // Back-off: the first restart is immediate, the second waits at least the 1 s base.
  assert.ok(Date.now() - t0 >= 1000);
  const backoff = await fx.waitPod('oom', (p) => containerStatus(p, 'hog')?.state?.waiting?.reason === 'CrashLoopBackOff', 30_000, 'CrashLoopBackOff');
  assert.match(containerStatus(backoff, 'hog')!.state!.waiting!.message ?? '', /back-off \d+s restarting failed container=hog/);
  await waitFor(async () => (await eventsOf('oom')).some((e) => e.reason === 'BackOff'), 10_000, 'a BackOff event');
  await fx.deletePod('oom');
});

test('a failing liveness probe restarts its container; failing readiness keeps the pod not Ready', async () => {
  await fx.createPod({
    metadata: { name: 'probes' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'live', image: fx.images.busybox, command: ['sh', '-c', 'touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 1000'],
          livenessProbe: { exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 1, failureThreshold: 2 },
        },
        {
          name: 'unready', image: fx.images.httpd1,
          readinessProbe: { httpGet: { path: '/nope', port: 8080 }, periodSeconds: 1 },
          startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  });
  const restarted = await fx.waitPod('probes', (p) => (containerStatus(p, 'live')?.restartCount ?? 0) >= 1, 60_000, 'liveness restart');
  assert.equal(restarted.status?.phase, 'Running');
  const events = await waitFor(async () => {
    const ev = await eventsOf('probes');
    return ev.some((e) => e.reason === 'Killing') && ev.some((e) => e.reason === 'Unhealthy' && /Liveness probe failed/.test(e.message ?? '')) ? ev : undefined;
  }, 10_000, 'Killing and Unhealthy events');
  assert.ok(events.some((e) => e.reason === 'Unhealthy' && /Readiness probe failed: HTTP probe failed with statuscode: 404/.test(e.message ?? '')));
  const unready = containerStatus(restarted, 'unready')!;
  assert.equal(unready.ready, false);
  assert.equal(unready.started, true);
  assert.ok(unready.state?.running);
  assert.equal(conditionOf(restarted, 'Ready'), 'False');
  assert.equal(conditionOf(restarted, 'ContainersReady'), 'False');
  assert.match(restarted.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /unready/);
  await fx.deletePod('probes');
});

test('init containers run in order before the app; configMap, secret and downward API reach the containers', async () => {
  await fx.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { greeting: 'hello', 'app.conf': 'mode=fast\n' } }, { namespace: 'default' });
  await fx.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { token: Buffer.from('s3cret').toString('base64') } }, { namespace: 'default' });
  await fx.createPod({
    metadata: { name: 'init', labels: { tier: 'x' } },
    spec: {
      restartPolicy: 'Never',
      volumes: [
        { name: 'work', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
      initContainers: [
        { name: 'first', image: fx.images.busybox, command: ['sh', '-c', 'echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'second', image: fx.images.busybox, command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [{
        name: 'app', image: fx.images.busybox,
        command: ['sh', '-c', 'echo app >> /work/order; cat /work/order; cat /cfg/conf/app.conf; stat -c %a /cfg/conf/app.conf; cat /sec/token; echo; cat /info/labels; echo; echo "$GREETING $TOKEN $COMBINED"; echo done > /dev/termination-log'],
        workingDir: '/work',
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
          { name: 'COMBINED', value: '$(GREETING)-$(NOPE)' },
        ],
        volumeMounts: [{ name: 'work', mountPath: '/work' }, { name: 'cfg', mountPath: '/cfg' }, { name: 'sec', mountPath: '/sec' }, { name: 'info', mountPath: '/info' }],
      }],
    },
  });
  const pod = await fx.waitPod('init', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 60_000, 'init pod to finish');
  assert.equal(pod.status?.phase, 'Succeeded', JSON.stringify(pod.status));
  assert.deepEqual(pod.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason]), [['first', 'Completed'], ['second', 'Completed']]);
  assert.equal(conditionOf(pod, 'Initialized'), 'True');
  const app = containerStatus(pod, 'app')!;
  assert.equal(app.state?.terminated?.message, 'done\n');
  const log = readFileSync(`${fx.agent.paths.podLogDir('default', 'init', pod.metadata!.uid!)}/app/0.log`, 'utf8')
    .split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' ')).filter(Boolean);
  assert.deepEqual(log, ['first', 'second', 'app', 'mode=fast', '600', 's3cret', 'tier="x"', 'hello s3cret hello-$(NOPE)']);
  await fx.deletePod('init');
});

test('a failing container with restartPolicy Never fails the pod with its exit code and log fallback message', async () => {
  await fx.createPod({
    metadata: { name: 'fails' },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: fx.images.busybox, command: ['sh', '-c', 'echo boom; exit 3'], terminationMessagePolicy: 'FallbackToLogsOnError' }],
    },
  });
  const pod = await fx.waitPod('fails', (p) => p.status?.phase === 'Failed', 30_000, 'pod Failed');
  const t = containerStatus(pod, 'c')!.state!.terminated!;
  assert.equal(t.exitCode, 3);
  assert.equal(t.reason, 'Error');
  assert.equal(t.message, 'boom\n');
  assert.equal(conditionOf(pod, 'Ready'), 'False');
  await fx.deletePod('fails');
});

test('securityContext: user and group, read-only root filesystem, capabilities, no new privileges', async () => {
  await fx.createPod({
    metadata: { name: 'secure' },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsUser: 1234, runAsGroup: 2345, supplementalGroups: [3456] },
      volumes: [{ name: 'scratch', emptyDir: {} }],
      containers: [{
        name: 'c', image: fx.images.busybox,
        command: ['sh', '-c', 'id; touch /rootfile 2>/dev/null && echo root-writable || echo root-readonly; touch /scratch/f && echo scratch-writable; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status'],
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
        volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
      }],
    },
  });
  const pod = await fx.waitPod('secure', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 30_000, 'secure to finish');
  assert.equal(pod.status?.phase, 'Succeeded', JSON.stringify(pod.status));
  const log = readFileSync(`${fx.agent.paths.podLogDir('default', 'secure', pod.metadata!.uid!)}/c/0.log`, 'utf8');
  assert.match(log, /uid=1234 gid=2345 groups=3456/);
  assert.match(log, /root-readonly/);
  assert.match(log, /scratch-writable/);
  assert.match(log, /CapBnd:\s+0000000000000400/); // CAP_NET_BIND_SERVICE only
  assert.match(log, /NoNewPrivs:\s+1/);
  await fx.deletePod('secure');

  await fx.createPod({
    metadata: { name: 'nonroot' },
    spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: fx.images.busybox, command: ['true'] }] },
  });
  const refused = await fx.waitPod('nonroot', (p) => !!containerStatus(p, 'c')?.state?.waiting?.message, 30_000, 'nonroot refused');
  assert.equal(containerStatus(refused, 'c')!.state!.waiting!.reason, 'CreateContainerConfigError');
  assert.match(containerStatus(refused, 'c')!.state!.waiting!.message!, /runAsNonRoot and image will run as root/);
  await fx.deletePod('nonroot');
});

test('changing a container image restarts it with the new image', async () => {
  const { PODS } = await import('../../src/client/resources.js');
  await fx.createPod({ metadata: { name: 'upgrade' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: fx.images.httpd1 }] } });
  const before = await fx.waitPod('upgrade', (p) => p.status?.phase === 'Running', 30_000, 'upgrade Running');
  assert.equal(await (await fetch(`http://${before.status!.podIP}:8080/`)).text(), 'stratus httpd v1\n');
  await fx.client.patch(PODS, 'upgrade', { spec: { containers: [{ name: 'web', image: fx.images.httpd2 }] } }, 'strategic', { namespace: 'default' });
  const after = await fx.waitPod('upgrade', (p) => containerStatus(p, 'web')?.restartCount === 1 && !!containerStatus(p, 'web')?.state?.running, 30_000, 'upgrade restarted');
  assert.equal(containerStatus(after, 'web')!.image, fx.images.httpd2);
  assert.equal(after.status!.podIP, before.status!.podIP);
  assert.equal(await (await fetch(`http://${after.status!.podIP}:8080/`)).text(), 'stratus httpd v2\n');
  await fx.deletePod('upgrade');
});

test('a configMap volume follows changes to its ConfigMap', async () => {
  const { PODS } = await import('../../src/client/resources.js');
  const { TextSink } = await import('../../src/agent/prober.js');
  await fx.client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live' }, data: { v: 'one' } }, { namespace: 'default' });
  await fx.createPod({
    metadata: { name: 'cfgwatch' },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'cfg', configMap: { name: 'live' } }],
      containers: [{ name: 'c', image: fx.images.busybox, command: ['sleep', '1000'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    },
  });
  const pod = await fx.waitPod('cfgwatch', (p) => p.status?.phase === 'Running', 30_000, 'cfgwatch Running');
  const id = containerStatus(pod, 'c')!.containerID!.replace('stratus://', '');
  const read = async (): Promise<string> => {
    const out = new TextSink();
    await fx.agent.runtime.exec(id, { args: ['cat', '/cfg/v'], stdout: out });
    return out.text;
  };
  assert.equal(await read(), 'one');
  await fx.client.patch(CONFIGMAPS, 'live', { data: { v: 'two' } }, 'merge', { namespace: 'default' });
  await waitFor(async () => ((await read()) === 'two' ? true : undefined), 20_000, 'the new value inside the container');
  assert.ok(await fx.client.get(PODS, 'cfgwatch', { namespace: 'default' }));
  await fx.deletePod('cfgwatch');
});

test('activeDeadlineSeconds stops the pod and fails it with DeadlineExceeded', async () => {
  await fx.createPod({
    metadata: { name: 'deadline' },
    spec: { activeDeadlineSeconds: 2, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: fx.images.busybox, command: ['sleep', '1000'] }] },
  });
  await fx.waitPod('deadline', (p) => p.status?.phase === 'Running', 30_000, 'deadline Running');
  const failed = await fx.waitPod('deadline', (p) => p.status?.phase === 'Failed', 30_000, 'deadline Failed');
  assert.equal(failed.status?.reason, 'DeadlineExceeded');
  assert.ok(containerStatus(failed, 'c')?.state?.terminated);
  await fx.deletePod('deadline');
});

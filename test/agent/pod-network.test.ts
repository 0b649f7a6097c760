// A pod serving HTTP reaches Running with a pod IP; a second pod on the node reaches it by IP; node registration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { KUBECTL, run } from '../e2e/harness.js';
import { LEASES, NODES } from '../../src/client/resources.js';
import { conditionOf, containerStatus, startAgentFixture, waitFor, type AgentFixture } from './agent-fixture.js';

let fx: AgentFixture;
before(async () => {
  fx = await startAgentFixture();
});
after(async () => {
  await fx?.cleanup();
});

test('the node registers with capacity, conditions, pod CIDR and a lease', async () => {
  const node = await fx.client.get(NODES, fx.nodeName);
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], fx.nodeName);
  assert.ok(Number(node.status?.capacity?.cpu) >= 1);
  assert.match(node.status?.capacity?.memory ?? '', /^\d+Ki$/);
  assert.equal(node.status?.capacity?.pods, '110');
  assert.match(node.spec?.podCIDR ?? '', /^10\.244\.\d+\.0\/24$/);
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(node.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'False');
  const lease = await fx.client.get(LEASES, fx.nodeName, { namespace: 'kube-node-lease' });
  assert.equal(lease.spec?.holderIdentity, fx.nodeName);
});

test('an HTTP pod runs with a pod IP and another pod reaches it by IP', async () => {
  await fx.createPod({
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      containers: [{
        name: 'httpd', image: fx.images.httpd1, ports: [{ containerPort: 8080, name: 'http' }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
      }],
    },
  });
  const web = await fx.waitPod('web', (p) => p.status?.phase === 'Running' && conditionOf(p, 'Ready') === 'True', 60_000, 'web Running and Ready');
  const ip = web.status?.podIP;
  assert.match(ip ?? '', /^10\.244\.\d+\.\d+$/);
  assert.deepEqual(web.status?.podIPs, [{ ip }]);
  assert.ok(web.status?.hostIP);
  assert.ok(web.status?.startTime);
  assert.equal(web.status?.qosClass, 'BestEffort');
  const cs = containerStatus(web, 'httpd')!;
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state?.running?.startedAt);
  assert.match(cs.containerID ?? '', /^stratus:\/\//);
  assert.match(cs.imageID ?? '', /@sha256:[a-f0-9]{64}$/);
  for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(conditionOf(web, type), 'True', type);

  // The host reaches the pod too.
  const res = await fetch(`http://${ip}:8080/`);
  assert.equal(await res.text(), 'stratus httpd v1\n');

  await fx.createPod({
    metadata: { name: 'client' },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'get', image: fx.images.busybox, command: ['sh', '-c', `wget -q -O - http://${ip}:8080/ && cat /etc/hostname && echo "$MY_NS"`],
        env: [{ name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }] }],
    },
  });
  const done = await fx.waitPod('client', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 60_000, 'client to finish');
  assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
  const term = containerStatus(done, 'get')?.state?.terminated;
  assert.equal(term?.exitCode, 0);
  assert.equal(term?.reason, 'Completed');
  const logDir = fx.agent.paths.podLogDir('default', 'client', done.metadata!.uid!);
  const log = readFileSync(`${logDir}/get/0.log`, 'utf8');
  assert.match(log, /stdout F stratus httpd v1/);
  assert.match(log, /stdout F client/);
  assert.match(log, /stdout F default/);

  // The node lists the pulled images (ImageLocality reads them).
  await waitFor(async () => {
    const node = await fx.client.get(NODES, fx.nodeName);
    return node.status?.images?.some((i) => i.names?.some((n) => n.includes('/httpd:1'))) ? true : undefined;
  }, 30_000, 'node.status.images to list httpd:1');
});

test('kubectl apply runs a pod; get -o wide, describe, exec and logs work against the node', async () => {
  const manifest = join(fx.dir, 'kubectl-pod.yaml');
  writeFileSync(manifest, [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: kubectl-web', 'spec:', `  nodeName: ${fx.nodeName}`,
    '  terminationGracePeriodSeconds: 1', '  containers:', '  - name: web', `    image: ${fx.images.httpd1}`,
    '    ports:', '    - containerPort: 8080', '',
  ].join('\n'));
  const kubectl = (args: string[]) => run(KUBECTL, ['--kubeconfig', fx.plane.kubeconfigPath, '--cache-dir', join(fx.dir, 'kube-cache'), ...args], { timeoutMs: 60_000 });
  const applied = await kubectl(['apply', '-f', manifest]);
  assert.equal(applied.code, 0, applied.stderr);
  await kubectl(['wait', '--for=condition=Ready', 'pod/kubectl-web', '--timeout=60s']);
  const pod = await fx.waitPod('kubectl-web', (p) => conditionOf(p, 'Ready') === 'True', 60_000, 'kubectl-web Ready');
  const wide = await kubectl(['get', 'pod', 'kubectl-web', '-o', 'wide']);
  assert.equal(wide.code, 0, wide.stderr);
  const row = wide.stdout.split('\n')[1]!.split(/\s+/);
  assert.deepEqual(row.slice(0, 3), ['kubectl-web', '1/1', 'Running']);
  assert.ok(row.includes(pod.status!.podIP!), wide.stdout);
  assert.ok(row.includes(fx.nodeName), wide.stdout);
  const describe = await waitFor(async () => {
    const d = await kubectl(['describe', 'pod', 'kubectl-web']);
    return /Started\s+\S+\s+kubelet\s+Started container web/.test(d.stdout) ? d.stdout : undefined;
  }, 15_000, 'describe to show the Started event');
  assert.match(describe, /Created container web/);
  // Through the API server to this agent's endpoint.
  const exec = await kubectl(['exec', 'kubectl-web', '--', 'cat', '/etc/hostname']);
  assert.equal(exec.code, 0, exec.stderr);
  assert.equal(exec.stdout, 'kubectl-web\n');
  const logs = await kubectl(['logs', 'client']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^stratus httpd v1\nclient\ndefault\n$/);
  const deleted = await kubectl(['delete', 'pod', 'kubectl-web', '--timeout=30s']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(await fx.getPod('kubectl-web'), undefined);
});

test('a hostNetwork pod shares the node network namespace and reports the node IP', async () => {
  await fx.createPod({
    metadata: { name: 'hostnet' },
    spec: { hostNetwork: true, restartPolicy: 'Never', containers: [{ name: 'c', image: fx.images.busybox, command: ['sh', '-c', 'ip -o link show'] }] },
  });
  const pod = await fx.waitPod('hostnet', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', 30_000, 'hostnet to finish');
  assert.equal(pod.status?.phase, 'Succeeded', JSON.stringify(pod.status));
  assert.equal(pod.status?.podIP, pod.status?.hostIP);
  const log = readFileSync(`${fx.agent.paths.podLogDir('default', 'hostnet', pod.metadata!.uid!)}/c/0.log`, 'utf8');
  // The interface that carries the node IP is visible inside the container.
  const uplink = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => a.address === pod.status?.hostIP))?.[0];
  assert.ok(uplink, 'an interface with the node IP');
  assert.ok(log.includes(`: ${uplink}:`) || log.includes(`: ${uplink}@`), log);
  await fx.deletePod('hostnet');
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import { DEPLOYMENTS } from '../../src/client/resources.js';
import { eventually } from '../client/in-process-cluster.js';
import { parseTable, startStratusServer, type StratusServer } from './harness.js';

// kubectl's rollout commands against `stratus server` (scheduler and controllers) with hollow nodes.
let server: StratusServer;
let nodes: HollowAgent;

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  strategy:
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: registry.local/httpd:1
`;

before(async () => {
  server = await startStratusServer();
  nodes = new HollowAgent({ client: server.client, name: 'hollow', count: 3 });
  await nodes.start();
});

after(async () => {
  await nodes?.stop();
  await server?.stop();
});

const deployment = (): Promise<Deployment> => server.client.get(DEPLOYMENTS, 'web', { namespace: 'default' });

test('apply, rollout status, set image, history and undo', async () => {
  await server.kubectlOk(['apply', '-f', '-'], { input: manifest });
  const status = await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  assert.match(status, /successfully rolled out/);

  const pods = parseTable(await server.kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'wide']));
  assert.deepEqual(pods.headers.slice(0, 7), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
  assert.equal(pods.rows.length, 3);
  assert.ok(pods.rows.every((r) => r[1] === '1/1' && r[2] === 'Running'));

  await server.kubectlOk(['set', 'image', 'deployment/web', 'web=registry.local/httpd:2']);
  assert.match(await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 }), /successfully rolled out/);
  const history = await server.kubectlOk(['rollout', 'history', 'deployment/web']);
  assert.match(history, /REVISION\s+CHANGE-CAUSE/);
  assert.match(history, /^1\s/m);
  assert.match(history, /^2\s/m);
  const rev2 = await server.kubectlOk(['rollout', 'history', 'deployment/web', '--revision=2']);
  assert.match(rev2, /registry\.local\/httpd:2/);

  assert.match(await server.kubectlOk(['rollout', 'undo', 'deployment/web']), /rolled back/);
  await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  const d = await deployment();
  assert.equal(d.spec?.template?.spec?.containers[0]?.image, 'registry.local/httpd:1');
  assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');

  const describe = await server.kubectlOk(['describe', 'deployment', 'web']);
  assert.match(describe, /ScalingReplicaSet/);
  assert.match(describe, /NewReplicaSetAvailable/);
  const rs = parseTable(await server.kubectlOk(['get', 'rs', '-l', 'app=web']));
  assert.deepEqual(rs.headers, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
});

test('pause holds a rollout until resume; restart rolls new pods', async () => {
  await server.kubectlOk(['rollout', 'pause', 'deployment/web']);
  await server.kubectlOk(['set', 'image', 'deployment/web', 'web=registry.local/httpd:3']);
  const paused = await eventually(async () => {
    const d = await deployment();
    return d.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused') ? d : undefined;
  }, 'the Progressing condition to say paused');
  assert.equal(paused.spec?.paused, true);
  const before = parseTable(await server.kubectlOk(['get', 'rs', '-l', 'app=web'])).rows.length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(parseTable(await server.kubectlOk(['get', 'rs', '-l', 'app=web'])).rows.length, before, 'no new ReplicaSet while paused');

  await server.kubectlOk(['rollout', 'resume', 'deployment/web']);
  await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  assert.equal((await deployment()).spec?.template?.spec?.containers[0]?.image, 'registry.local/httpd:3');

  const podsBefore = parseTable(await server.kubectlOk(['get', 'pods', '-l', 'app=web'])).rows.map((r) => r[0]);
  await server.kubectlOk(['rollout', 'restart', 'deployment/web']);
  await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  const d = await deployment();
  assert.ok(d.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  await eventually(async () => {
    const now = parseTable(await server.kubectlOk(['get', 'pods', '-l', 'app=web'])).rows.filter((r) => r[2] === 'Running').map((r) => r[0]);
    return now.length === 3 && now.every((name) => !podsBefore.includes(name));
  }, 'all pods replaced after restart');
});

test('scale and the deployment table', async () => {
  await server.kubectlOk(['scale', 'deployment/web', '--replicas=5']);
  await server.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
  const table = parseTable(await server.kubectlOk(['get', 'deployment', 'web', '-o', 'wide']));
  assert.deepEqual(table.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.equal(table.rows[0]![1], '5/5');
  assert.equal(table.rows[0]![2], '5');
});

test('describe node shows capacity, conditions and the pods on it', async () => {
  const pods = parseTable(await server.kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'wide']));
  const node = pods.rows[0]![6]!;
  const out = await server.kubectlOk(['describe', 'node', node]);
  assert.match(out, /^Name:\s+hollow-\d/m);
  assert.match(out, /Conditions:[\s\S]*Ready\s+True/);
  assert.match(out, /Capacity:[\s\S]*cpu:\s+4/);
  assert.match(out, /Non-terminated Pods:/);
  assert.match(out, new RegExp(`default\\s+${pods.rows[0]![0]}`));
});

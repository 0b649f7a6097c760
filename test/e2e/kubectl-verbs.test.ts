import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { CONFIGMAPS } from '../../src/client/resources.js';
import { createFixtures, parseTable, startStratusServer, waitUntil, type StratusServer } from './harness.js';
import { appManifest, NAMESPACE, POD_MANIFEST } from './manifests.js';

let server: StratusServer;
const n = ['-n', NAMESPACE];
before(async () => {
  server = await startStratusServer();
  await createFixtures(server.client, appManifest());
  await createFixtures(server.client, POD_MANIFEST);
});
after(async () => { await server?.stop(); });

test('kubectl get prints the Kubernetes table columns', async () => {
  const deployments = parseTable(await server.kubectlOk(['get', 'deployments', ...n]));
  assert.deepEqual(deployments.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
  assert.equal(deployments.rows[0]![0], 'web');
  assert.equal(deployments.rows[0]![1], '0/2');

  const services = parseTable(await server.kubectlOk(['get', 'services', ...n]));
  assert.deepEqual(services.headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.equal(services.rows[0]![1], 'ClusterIP');
  assert.match(services.rows[0]![2]!, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(services.rows[0]![4], '80/TCP');

  assert.deepEqual(parseTable(await server.kubectlOk(['get', 'configmaps', ...n])).headers, ['NAME', 'DATA', 'AGE']);
  assert.deepEqual(parseTable(await server.kubectlOk(['get', 'secrets', ...n])).headers, ['NAME', 'TYPE', 'DATA', 'AGE']);
  const pods = parseTable(await server.kubectlOk(['get', 'pods', ...n]));
  assert.deepEqual(pods.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(pods.rows[0]!.slice(0, 4), ['solo', '0/1', 'Pending', '0']);
  const namespaces = parseTable(await server.kubectlOk(['get', 'namespaces']));
  assert.deepEqual(namespaces.headers, ['NAME', 'STATUS', 'AGE']);
  assert.ok(namespaces.rows.some((r) => r[0] === NAMESPACE && r[1] === 'Active'));
});

test('kubectl get -o wide adds the wide columns', async () => {
  const deployments = parseTable(await server.kubectlOk(['get', 'deployments', '-o', 'wide', ...n]));
  assert.deepEqual(deployments.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(deployments.rows[0]!.slice(5), ['web', 'registry.local/nginx:1.25', 'app=web']);
  const pods = parseTable(await server.kubectlOk(['get', 'pods', '-o', 'wide', ...n]));
  assert.deepEqual(pods.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  const services = parseTable(await server.kubectlOk(['get', 'services', '-o', 'wide', ...n]));
  assert.equal(services.headers.at(-1), 'SELECTOR');
});

test('kubectl get -o yaml and -o json show the full object with server defaults', async () => {
  const asYaml = parse(await server.kubectlOk(['get', 'deployment', 'web', '-o', 'yaml', ...n]));
  assert.equal(asYaml.kind, 'Deployment');
  assert.equal(asYaml.apiVersion, 'apps/v1');
  assert.equal(asYaml.spec.strategy.type, 'RollingUpdate');
  assert.equal(asYaml.spec.revisionHistoryLimit, 10);
  const asJson = JSON.parse(await server.kubectlOk(['get', 'pod', 'solo', '-o', 'json', ...n]));
  assert.equal(asJson.spec.restartPolicy, 'Always');
  assert.equal(asJson.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  const list = JSON.parse(await server.kubectlOk(['get', 'configmaps', '-o', 'json', ...n]));
  assert.equal(list.kind, 'List');
  assert.ok(list.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'app-config'));
});

test('kubectl describe pod and deployment', async () => {
  const pod = await server.kubectlOk(['describe', 'pod', 'solo', ...n]);
  assert.match(pod, /^Name:\s+solo$/m);
  assert.match(pod, /^Namespace:\s+e2e$/m);
  assert.match(pod, /^Status:\s+Pending$/m);
  assert.match(pod, /^Containers:$/m);
  assert.match(pod, /Image:\s+busybox:1\.36/);
  assert.match(pod, /^Events:/m);
  const deployment = await server.kubectlOk(['describe', 'deployment', 'web', ...n]);
  assert.match(deployment, /^Name:\s+web$/m);
  assert.match(deployment, /^Selector:\s+app=web$/m);
  assert.match(deployment, /^StrategyType:\s+RollingUpdate$/m);
  assert.match(deployment, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
});

test('kubectl label and annotate', async () => {
  assert.equal((await server.kubectlOk(['label', 'configmap', 'app-config', 'tier=backend', ...n])).trim(), 'configmap/app-config labeled');
  assert.equal((await server.kubectlOk(['annotate', 'configmap', 'app-config', 'owner=team-a', ...n])).trim(), 'configmap/app-config annotated');
  const cm = JSON.parse(await server.kubectlOk(['get', 'configmap', 'app-config', '-o', 'json', ...n]));
  assert.equal(cm.metadata.labels.tier, 'backend');
  assert.equal(cm.metadata.annotations.owner, 'team-a');
  const selected = await server.kubectlOk(['get', 'configmaps', '-l', 'tier=backend', '-o', 'name', ...n]);
  assert.equal(selected.trim(), 'configmap/app-config');
  assert.equal((await server.kubectlOk(['label', 'configmap', 'app-config', 'tier-', ...n])).trim(), 'configmap/app-config unlabeled');
});

test('kubectl patch: strategic, merge and json', async () => {
  const strategic = await server.kubectlOk(['patch', 'deployment', 'web', ...n, '-p',
    JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.local/nginx:1.26' }] } } } })]);
  assert.equal(strategic.trim(), 'deployment.apps/web patched');
  const deployment = JSON.parse(await server.kubectlOk(['get', 'deployment', 'web', '-o', 'json', ...n]));
  assert.equal(deployment.spec.template.spec.containers.length, 1, 'strategic merge keeps the list merged by name');
  assert.equal(deployment.spec.template.spec.containers[0].image, 'registry.local/nginx:1.26');
  assert.equal(deployment.spec.template.spec.containers[0].ports[0].containerPort, 80);

  await server.kubectlOk(['patch', 'configmap', 'app-config', ...n, '--type', 'merge', '-p', '{"data":{"extra":"1"}}']);
  await server.kubectlOk(['patch', 'configmap', 'app-config', ...n, '--type', 'json', '-p', '[{"op":"replace","path":"/data/greeting","value":"hi"}]']);
  const cm = JSON.parse(await server.kubectlOk(['get', 'configmap', 'app-config', '-o', 'json', ...n]));
  assert.deepEqual(cm.data, { greeting: 'hi', extra: '1' });
  const noChange = await server.kubectlOk(['patch', 'configmap', 'app-config', ...n, '--type', 'merge', '-p', '{"data":{"extra":"1"}}']);
  assert.equal(noChange.trim(), 'configmap/app-config patched (no change)');
});

test('kubectl scale changes replicas through the scale subresource', async () => {
  assert.equal((await server.kubectlOk(['scale', 'deployment', 'web', '--replicas=4', ...n])).trim(), 'deployment.apps/web scaled');
  assert.equal(await server.kubectlOk(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}', ...n]), '4');
});

test('kubectl explain reads the OpenAPI document', async () => {
  const out = await server.kubectlOk(['explain', 'deployment.spec.strategy']);
  assert.match(out, /^GROUP:\s+apps$/m);
  assert.match(out, /^KIND:\s+Deployment$/m);
  assert.match(out, /^VERSION:\s+v1$/m);
  assert.match(out, /^FIELD: strategy <DeploymentStrategy>$/m);
  assert.match(out, /^\s+rollingUpdate\s+<RollingUpdateDeployment>$/m);
  assert.match(out, /^\s+type\s+<string>$/m);
});

test('kubectl get -w sees changes as they happen', async (t) => {
  const watcher = server.kubectlSpawn(['get', 'configmaps', '-w', ...n]);
  t.after(() => { watcher.kill('SIGKILL'); });
  let out = '';
  watcher.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  await waitUntil(() => /app-config/.test(out), 'the initial table');
  await server.client.create(CONFIGMAPS, { metadata: { name: 'watched', namespace: NAMESPACE }, data: { a: 'b' } });
  await waitUntil(() => /^watched\s+1\s+/m.test(out), 'the new configmap in the watch output');
  await server.client.delete(CONFIGMAPS, 'watched', { namespace: NAMESPACE });
  await waitUntil(() => (out.match(/^watched\s/mg) ?? []).length >= 2, 'the deletion in the watch output');
});

test('kubectl errors read like Kubernetes', async () => {
  const missing = await server.kubectl(['get', 'configmap', 'nope', ...n]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "nope" not found/);
  const duplicate = await server.kubectl(['create', '-f', '-'], { input: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-config","namespace":"${NAMESPACE}"}}` });
  assert.match(duplicate.stderr, /Error from server \(AlreadyExists\): error when creating "STDIN": configmaps "app-config" already exists/);
});

test('imperative kubectl create (typed client, protobuf request bodies)', async () => {
  assert.equal((await server.kubectlOk(['create', 'namespace', 'imperative'])).trim(), 'namespace/imperative created');
  assert.equal((await server.kubectlOk(['create', 'configmap', 'literal', '--from-literal=k=v', '-n', 'imperative'])).trim(), 'configmap/literal created');
  assert.equal(await server.kubectlOk(['get', 'configmap', 'literal', '-n', 'imperative', '-o', 'jsonpath={.data.k}']), 'v');
  assert.equal((await server.kubectlOk(['create', 'deployment', 'imp', '--image=busybox:1.36', '-n', 'imperative'])).trim(), 'deployment.apps/imp created');
});

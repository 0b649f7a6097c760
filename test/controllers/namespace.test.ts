import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, isNotFound } from '../../src/client/api-client.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES, SECRETS } from '../../src/client/resources.js';
import { NamespaceController } from '../../src/controllers/namespace.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

let cluster: TestCluster;
let client: ApiClient;
let controller: NamespaceController;

before(async () => {
  cluster = await startTestCluster({ controllers: false });
  client = ApiClient.fromKubeconfig(cluster.plane.kubeconfigPath);
  controller = new NamespaceController({ client, recheckMs: 200 });
  await controller.start();
});
after(async () => {
  await controller?.stop();
  client?.close();
  await cluster?.close();
});

test('deleting a namespace removes its content, then the namespace', async () => {
  const ns = 'doomed';
  await client.create(NAMESPACES, { metadata: { name: ns } });
  await client.create(CONFIGMAPS, { metadata: { name: 'c', namespace: ns }, data: { a: 'b' } });
  await client.create(SECRETS, { metadata: { name: 's', namespace: ns }, stringData: { a: 'b' } });
  await client.create(DEPLOYMENTS, {
    metadata: { name: 'd', namespace: ns },
    spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  await client.create(CONFIGMAPS, { metadata: { name: 'elsewhere', namespace: 'default' } });

  await client.delete(NAMESPACES, ns);
  const terminating = await client.get(NAMESPACES, ns).catch(() => undefined);
  if (terminating) assert.equal(terminating.status?.phase, 'Terminating');

  await eventually(async () => {
    try {
      await client.get(NAMESPACES, ns);
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  }, 'the namespace to disappear', 15_000);
  assert.equal((await client.list(CONFIGMAPS, { namespace: ns })).items.length, 0);
  assert.equal((await client.list(DEPLOYMENTS, { namespace: ns })).items.length, 0);
  assert.equal((await client.get(CONFIGMAPS, 'elsewhere', { namespace: 'default' })).metadata?.name, 'elsewhere');
});

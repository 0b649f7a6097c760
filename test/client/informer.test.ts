import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { Informer } from '../../src/client/informer.js';
import { CONFIGMAPS, EVENTS, NAMESPACES } from '../../src/client/resources.js';
import { eventually, startTestCluster, type TestCluster } from './in-process-cluster.js';

let cluster: TestCluster;
let client: ApiClient;
const ns = 'informer-test';

before(async () => {
  cluster = await startTestCluster();
  client = ApiClient.fromKubeconfig(cluster.plane.kubeconfigPath);
  await client.create(NAMESPACES, { metadata: { name: ns } });
});
after(async () => {
  client?.close();
  await cluster?.close();
});

test('informer: initial list, then adds, updates and deletes in order, with an index', async (t) => {
  await client.create(CONFIGMAPS, { metadata: { name: 'pre', namespace: ns, labels: { team: 'a' } } });
  const informer = new Informer(client, CONFIGMAPS, {
    namespace: ns, indexers: { team: (cm: ConfigMap) => (cm.metadata?.labels?.team ? [cm.metadata.labels.team] : []) },
  });
  t.after(() => informer.stop());
  const log: string[] = [];
  informer.addHandlers({
    onAdd: (o) => log.push(`add ${o.metadata?.name}`),
    onUpdate: (_old, o) => log.push(`update ${o.metadata?.name}`),
    onDelete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  informer.start();
  await informer.waitForSync();
  assert.ok(informer.hasSynced());
  assert.equal(informer.get(`${ns}/pre`)?.metadata?.name, 'pre');

  await client.create(CONFIGMAPS, { metadata: { name: 'live', namespace: ns, labels: { team: 'b' } } });
  await client.patch(CONFIGMAPS, 'live', { metadata: { labels: { team: 'a' } } }, 'merge', { namespace: ns });
  await client.delete(CONFIGMAPS, 'pre', { namespace: ns });
  await eventually(() => log.length >= 4, 'four events');
  assert.deepEqual(log, ['add pre', 'add live', 'update live', 'delete pre']);
  assert.deepEqual(informer.byIndex('team', 'a').map((o) => o.metadata?.name), ['live']);
  assert.deepEqual(informer.byIndex('team', 'b'), []);
  assert.deepEqual(informer.list().map((o) => o.metadata?.name), ['live']);
});

test('informer: relists after its watch position is compacted away, and keeps delivering', async (t) => {
  const informer = new Informer(client, CONFIGMAPS, { namespace: ns, fieldSelector: 'metadata.name=target', watchTimeoutSeconds: 1 });
  t.after(() => informer.stop());
  const names: string[] = [];
  informer.addHandlers({ onAdd: (o) => names.push(o.metadata?.name ?? '') });
  informer.start();
  await informer.waitForSync();
  for (let i = 0; i < 5; i++) await client.create(CONFIGMAPS, { metadata: { name: `noise-${i}`, namespace: ns } });
  await cluster.plane.store.compact(await cluster.plane.store.revision());
  await eventually(() => informer.stats().lists >= 2, 'a relist after 410', 15_000);
  await client.create(CONFIGMAPS, { metadata: { name: 'target', namespace: ns } });
  await eventually(() => names.includes('target'), 'the target to arrive after the relist');
});

test('event recorder aggregates repeats into one Event with a count', async () => {
  const recorder = new EventRecorder(client, { component: 'test-controller' });
  const subject = await client.create(CONFIGMAPS, { metadata: { name: 'subject', namespace: ns } });
  await Promise.all([recorder.normal(subject, 'Poked', 'poked once'), recorder.normal(subject, 'Poked', 'poked once'), recorder.normal(subject, 'Poked', 'poked once')]);
  await recorder.warning(subject, 'Broke', 'something broke');
  const events = (await client.list(EVENTS, { namespace: ns, fieldSelector: `involvedObject.name=subject` })).items;
  const poked = events.find((e) => e.reason === 'Poked');
  assert.equal(events.length, 2);
  assert.equal(poked?.count, 3, 'concurrent repeats aggregate too');
  assert.equal(poked?.source?.component, 'test-controller');
  assert.equal(poked?.involvedObject.uid, subject.metadata?.uid);
  assert.equal(events.find((e) => e.reason === 'Broke')?.type, 'Warning');
});

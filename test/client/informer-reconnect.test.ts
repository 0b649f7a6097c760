import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ApiClient } from '../../src/client/api-client.js';
import { Informer } from '../../src/client/informer.js';
import { CONFIGMAPS } from '../../src/client/resources.js';
import { startControlPlane } from '../../src/controlplane/control-plane.js';
import { eventually } from './in-process-cluster.js';

test('an informer rides out an API server restart and resumes from its resourceVersion', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-reconnect-'));
  const cleanups: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => { for (const cleanup of cleanups.reverse()) await cleanup(); });
  const logger = pino({ level: 'silent' });
  let plane = await startControlPlane({ dataDir: dir, port: 0, logger, controllers: false });
  const port = plane.port;
  const client = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  cleanups.push(() => client.close());

  const informer = new Informer(client, CONFIGMAPS, { namespace: 'default', minBackoffMs: 50, maxBackoffMs: 200 });
  const added: string[] = [];
  informer.addHandlers({ onAdd: (cm) => added.push(cm.metadata?.name ?? '') });
  informer.start();
  cleanups.push(() => informer.stop());
  await informer.waitForSync();
  await client.create(CONFIGMAPS, { metadata: { name: 'before', namespace: 'default' } });
  await eventually(() => added.includes('before'), 'the first object');

  await plane.close();
  plane = await startControlPlane({ dataDir: dir, port, logger, controllers: false });
  cleanups.push(() => plane.close());
  // Written by another client before the informer is back: it must still arrive, through watch resumption.
  const other = ApiClient.fromKubeconfig(plane.kubeconfigPath);
  await other.create(CONFIGMAPS, { metadata: { name: 'after', namespace: 'default' } });
  other.close();
  await eventually(() => added.includes('after'), 'the object written after the restart');
  assert.equal(informer.stats().lists, 1, 'resumed the watch; no relist needed');
  assert.deepEqual(added.filter((n) => n === 'before' || n === 'after'), ['before', 'after']);
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { ImageError } from '../../../src/runtime/images/errors.js';
import { MediaType } from '../../../src/runtime/images/media-types.js';
import type { PullProgressEvent } from '../../../src/runtime/images/progress.js';
import { closedPort, startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../../fixtures/test-images.js';

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<ImageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ImageError, `expected an ImageError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('pulling from a real registry', () => {
  let registry: TestRegistry;
  let images: TestImages;
  let root: string;
  let store: ImageStore;

  before(async () => {
    registry = await startRegistry();
    images = await buildTestImages(registry.host);
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-pull-'));
    store = new ImageStore({ root });
  });

  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('pulls by tag with progress, and reads the image config', async () => {
    const events: PullProgressEvent[] = [];
    const started = Date.now();
    const info = await store.pull(images.httpd1, { onProgress: (e) => events.push(e) });
    const elapsed = Date.now() - started;
    assert.equal(info.reference, images.httpd1);
    assert.equal(info.repository, `${registry.host}/httpd`);
    assert.equal(info.tag, '1');
    assert.match(info.digest, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(info.config.cmd, ['httpd', '-f', '-p', '8080', '-h', '/www']);
    assert.deepEqual(info.config.exposedPorts, ['8080/tcp']);
    assert.equal(info.config.workingDir, '/www');
    assert.equal(info.config.labels['org.stratus.test'], 'httpd-1');
    assert.ok(info.config.env.some((e) => e.startsWith('PATH=')));
    assert.equal(info.layers.length, 2);
    assert.equal(info.os, 'linux');

    const resolved = events.find((e) => e.kind === 'resolved');
    assert.ok(resolved && resolved.kind === 'resolved' && resolved.layers === 2);
    for (const layer of info.layers) {
      const last = events.filter((e) => e.kind === 'layer' && e.digest === layer.digest).at(-1);
      assert.ok(last && last.kind === 'layer', `events for ${layer.digest}`);
      assert.equal(last.phase, 'ready');
      assert.equal(last.bytesDone, layer.size);
      assert.equal(last.bytesTotal, layer.size);
    }
    const complete = events.at(-1);
    assert.ok(complete?.kind === 'complete' && complete.message?.includes('pulled'));
    assert.ok(events.filter((e) => e.message).length >= 6, 'a friendly line per layer step');
    process.stdout.write(`# pull of ${images.httpd1} (${info.size} bytes, 2 layers): ${elapsed} ms\n`);

    assert.deepEqual(await store.get(images.httpd1), info);
    assert.deepEqual(await store.get(info.id), info, 'found by image id');
  });

  it('pulls by digest and verifies it', async () => {
    const byTag = await store.pull(images.busybox);
    const ref = `${registry.host}/busybox@${byTag.digest}`;
    const byDigest = await store.pull(ref);
    assert.equal(byDigest.digest, byTag.digest);
    assert.equal(byDigest.tag, undefined);
    assert.equal(byDigest.reference, ref);
    assert.equal((await store.get(ref))?.digest, byTag.digest);
  });

  it('selects linux/amd64 from an image index listed after another platform', async () => {
    const info = await store.pull(images.multiArch);
    const busybox = await store.pull(images.busybox);
    assert.equal(info.architecture, 'amd64');
    assert.equal(info.digest, busybox.digest, 'the amd64 entry is busybox:1');
    assert.ok(info.indexDigest && info.indexDigest !== info.digest);
    assert.equal(info.repoDigest, `${registry.host}/multi@${info.indexDigest}`);
    const pinned = await store.pull(`${registry.host}/multi@${info.indexDigest}`);
    assert.equal(pinned.digest, busybox.digest, 'pulling the index by digest resolves the same manifest');
  });

  it('pulls Docker v2 schema 2 manifests too', async () => {
    const info = await store.pull(images.busyboxDocker);
    assert.equal(info.layers[0]?.mediaType, MediaType.dockerLayerGzip);
    assert.deepEqual(info.config.cmd, ['sh']);
  });

  it('stores a layer shared by two images once', async () => {
    const one = await store.pull(images.httpd1);
    const events: PullProgressEvent[] = [];
    const two = await store.pull(images.httpd2, { onProgress: (e) => events.push(e) });
    const base = one.layers[0]?.digest;
    assert.ok(base);
    assert.equal(two.layers[0]?.digest, base, 'httpd:1 and httpd:2 share the busybox layer');
    assert.notEqual(two.layers[1]?.digest, one.layers[1]?.digest);
    assert.ok(events.some((e) => e.kind === 'layer' && e.digest === base && e.phase === 'cached'));
    assert.ok(!events.some((e) => e.kind === 'layer' && e.digest === base && e.phase === 'downloading'));
    const layerDirs = await readdir(path.join(root, 'images', 'layers', 'sha256'));
    assert.equal(layerDirs.filter((d) => `sha256:${d}` === base).length, 1);
  });

  it('shares one download between concurrent pulls of the same image', async () => {
    const fresh = new ImageStore({ root: path.join(root, 'concurrent') });
    let downloads = 0;
    const onProgress = (e: PullProgressEvent): void => { if (e.kind === 'layer' && e.phase === 'downloading' && e.bytesDone === 0) downloads++; };
    const results = await Promise.all([1, 2, 3].map(() => fresh.pull(images.httpd2, { onProgress })));
    assert.equal(new Set(results.map((r) => r.digest)).size, 1);
    assert.equal(downloads, 2, 'two layers, each downloaded once');
  });

  it('follows pull policies', async () => {
    const fresh = new ImageStore({ root: path.join(root, 'policies') });
    const err = await rejectsWith(fresh.pull(images.busybox, { policy: 'Never' }), 'NotPresent', /is not present with pull policy of Never/);
    assert.equal(err.kubernetesReason, 'ErrImageNeverPull');
    const pulled = await fresh.pull(images.busybox, { policy: 'IfNotPresent' });
    let talked = false;
    const again = await fresh.pull(images.busybox, { policy: 'IfNotPresent', onProgress: () => { talked = true; } });
    assert.equal(again.digest, pulled.digest);
    assert.equal(talked, false, 'IfNotPresent with the image present does not contact the registry');
    assert.equal((await fresh.pull(images.busybox, { policy: 'Never' })).digest, pulled.digest);
    const events: PullProgressEvent[] = [];
    await fresh.pull(images.busybox, { policy: 'Always', onProgress: (e) => events.push(e) });
    assert.ok(events.some((e) => e.kind === 'resolved'), 'Always asks the registry');
    assert.ok(events.every((e) => e.kind !== 'layer' || e.phase === 'cached'), 'but downloads nothing it has');
  });

  it('reports an unknown image as "manifest unknown"', async () => {
    const ref = `${registry.host}/nope:1`;
    const err = await rejectsWith(store.pull(ref), 'ManifestUnknown', new RegExp(`^failed to pull image "${ref.replace(/\./g, '\\.')}": manifest unknown`));
    assert.equal(err.kubernetesReason, 'ErrImagePull');
    await rejectsWith(store.pull(`${registry.host}/busybox:no-such-tag`), 'ManifestUnknown', /manifest unknown/);
    assert.equal(await store.get(ref), undefined);
  });

  it('rejects a bad image name before any network traffic', async () => {
    await rejectsWith(store.pull('Not/A:Valid:Name'), 'InvalidReference', /invalid image reference "Not\/A:Valid:Name"/);
  });

  it('reports an unreachable registry as connection refused', async () => {
    const port = await closedPort();
    const ref = `127.0.0.1:${port}/busybox:1`;
    await rejectsWith(store.pull(ref), 'ConnectionRefused', new RegExp(`^failed to pull image "${ref.replace(/\./g, '\\.')}": connection refused: nothing listens at http://127\\.0\\.0\\.1:${port}`));
  });

  it('removes an image and garbage-collects what no other image uses', async () => {
    const fresh = new ImageStore({ root: path.join(root, 'remove') });
    const one = await fresh.pull(images.httpd1);
    const two = await fresh.pull(images.httpd2);
    assert.deepEqual(await fresh.remove(images.httpd1), [images.httpd1]);
    assert.equal(await fresh.get(images.httpd1), undefined);
    const layers = await readdir(path.join(root, 'remove', 'images', 'layers', 'sha256'));
    assert.ok(layers.includes(two.layers[0]?.digest.slice(7) ?? ''), 'the shared layer stays');
    assert.ok(!layers.includes(one.layers[1]?.digest.slice(7) ?? ''), 'httpd:1 own layer is gone');
    assert.deepEqual((await fresh.list()).map((i) => i.reference), [images.httpd2]);
    assert.deepEqual(await fresh.remove(images.httpd1), []);
  });
});

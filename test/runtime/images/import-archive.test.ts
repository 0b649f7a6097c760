import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { ImageError } from '../../../src/runtime/images/errors.js';
import { testImageLayout } from '../../fixtures/test-images.js';

const run = promisify(execFile);

describe('importing archives', () => {
  let layout: string;
  let root: string;
  let store: ImageStore;

  before(async () => {
    layout = await testImageLayout();
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-import-'));
    store = new ImageStore({ root });
  });
  after(async () => {
    for (const id of (await store?.rootfsIds()) ?? []) await store.removeRootfs(id);
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('imports from an OCI layout directory, choosing the image by name', async () => {
    const info = await store.importArchive(layout, 'httpd:1');
    assert.equal(info.reference, 'docker.io/library/httpd:1');
    assert.equal(info.repository, 'httpd');
    assert.equal(info.config.labels['org.stratus.test'], 'httpd-1');
    const renamed = await store.importArchive(layout, 'example.com/team/web:v2', { select: 'httpd:2' });
    assert.equal(renamed.config.labels['org.stratus.test'], 'httpd-2');
    assert.equal(renamed.layers[0]?.digest, info.layers[0]?.digest, 'shared base layer');
    const rootfs = await store.createRootfs('example.com/team/web:v2', 'imported');
    assert.equal(await readFile(path.join(rootfs.path, 'www', 'index.html'), 'utf8'), 'stratus httpd v2\n');
    await rootfs.cleanup();
  });

  it('imports an OCI image index by choosing our platform', async () => {
    const multi = await store.importArchive(layout, 'multi:1');
    const busybox = await store.importArchive(layout, 'busybox:1');
    assert.equal(multi.digest, busybox.digest);
    assert.ok(multi.indexDigest);
  });

  it('imports an OCI layout tar and a docker save tar', async () => {
    const ociTar = path.join(root, 'layout.tar');
    await tar.c({ cwd: layout, file: ociTar }, ['.']);
    const fromTar = await store.importArchive(ociTar, 'tarred:1', { select: 'layered:1' });
    assert.equal(fromTar.layers.length, 3);

    const dockerTar = path.join(root, 'docker-save.tar');
    await run('skopeo', ['copy', '-q', `oci:${layout}:busybox:1`, `docker-archive:${dockerTar}:saved/busybox:7`]);
    const saved = await store.importArchive(dockerTar, 'saved/busybox:7');
    assert.deepEqual(saved.config.cmd, ['sh']);
    assert.equal(saved.layers.length, 1);
    const rootfs = await store.createRootfs('saved/busybox:7', 'from-docker-save');
    const { stdout } = await run('chroot', [rootfs.path, '/bin/sh', '-c', 'echo ok']);
    assert.equal(stdout, 'ok\n');
    await rootfs.cleanup();
  });

  it('rejects what is not an image archive', async () => {
    const junk = path.join(root, 'junk.tar');
    await writeFile(junk, 'not a tar at all');
    await assert.rejects(store.importArchive(junk, 'junk:1'), (err: unknown) => err instanceof ImageError && err.code === 'InvalidArchive' && /not a tar archive|neither/.test(err.message));
    await assert.rejects(store.importArchive(path.join(root, 'missing'), 'x:1'), (err: unknown) => err instanceof ImageError && /no such file/.test(err.message));
    await assert.rejects(store.importArchive(layout, 'not-in-layout:3'), (err: unknown) => err instanceof ImageError && /choose one with the select option/.test(err.message));
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { ImageError } from '../../../src/runtime/images/errors.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../../fixtures/test-images.js';

const run = promisify(execFile);

async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p.startsWith(dir));
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

describe('container root filesystems (overlayfs)', () => {
  let registry: TestRegistry;
  let images: TestImages;
  let root: string;
  let store: ImageStore;

  before(async () => {
    registry = await startRegistry();
    images = await buildTestImages(registry.host);
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-rootfs-'));
    store = new ImageStore({ root });
    await store.pull(images.layered);
    await store.pull(images.busybox);
  });

  after(async () => {
    for (const id of (await store?.rootfsIds()) ?? []) await store.removeRootfs(id);
    await registry?.stop();
    if (root) {
      assert.deepEqual(await mountsUnder(root), [], 'no mount left behind');
      await rm(root, { recursive: true, force: true });
    }
  });

  it('shows the image files; whiteouts and opaque directories hide older files', async () => {
    const rootfs = await store.createRootfs(images.layered, 'layered-1');
    try {
      assert.ok((await stat(path.join(rootfs.path, 'bin', 'busybox'))).isFile());
      assert.match(await readFile(path.join(rootfs.path, 'etc', 'passwd'), 'utf8'), /^root:x:0:0/);
      assert.equal(await readFile(path.join(rootfs.path, 'keep', 'kept'), 'utf8'), 'kept\n');
      assert.equal(await exists(path.join(rootfs.path, 'etc', 'removed-me')), false, 'whiteout hides the file');
      assert.deepEqual((await readdir(path.join(rootfs.path, 'etc'))).sort(), ['group', 'hostname', 'passwd']);
      assert.deepEqual(await readdir(path.join(rootfs.path, 'data')), ['new'], 'opaque dir hides data/old1 and data/old2');
      assert.equal(((await stat(path.join(rootfs.path, 'tmp'))).mode & 0o7777), 0o1777, 'modes survive the umask');
      const { stdout } = await run('chroot', [rootfs.path, '/bin/sh', '-c', 'cat /data/new; ls /etc | wc -l']);
      assert.equal(stdout.replace(/\s+/g, ' ').trim(), 'new 3');
    } finally {
      await rootfs.cleanup();
    }
  });

  it('is idempotent, survives a restart of the store, and keeps the writable layer', async () => {
    const first = await store.createRootfs(images.busybox, 'idem');
    await writeFile(path.join(first.path, 'written-by-container'), 'hello');
    const second = await store.createRootfs(images.busybox, 'idem');
    assert.equal(second.path, first.path);
    assert.equal((await mountsUnder(first.path)).length, 1, 'mounted once');

    const restarted = new ImageStore({ root });
    const third = await restarted.createRootfs(images.busybox, 'idem');
    assert.equal((await mountsUnder(first.path)).length, 1, 'a new process finds the existing mount');
    assert.equal(await readFile(path.join(third.path, 'written-by-container'), 'utf8'), 'hello');

    // As after a reboot: the mount is gone, the directories are not.
    await run('umount', [first.path]);
    const fourth = await restarted.createRootfs(images.busybox, 'idem');
    assert.equal((await mountsUnder(first.path)).length, 1, 'remounted');
    assert.equal(await readFile(path.join(fourth.path, 'written-by-container'), 'utf8'), 'hello');

    await fourth.cleanup();
    assert.deepEqual(await mountsUnder(path.join(root, 'rootfs')), []);
    assert.equal(await exists(path.join(root, 'rootfs', 'idem')), false);
    await first.cleanup(); // twice is fine
  });

  it('refuses to reuse a container id for another image', async () => {
    const rootfs = await store.createRootfs(images.busybox, 'conflict');
    try {
      await assert.rejects(store.createRootfs(images.layered, 'conflict'), (err: unknown) => err instanceof ImageError && err.code === 'RootfsConflict');
    } finally {
      await rootfs.cleanup();
    }
    await assert.rejects(store.createRootfs(images.busybox, '../escape'), (err: unknown) => err instanceof ImageError);
    await assert.rejects(store.createRootfs(`${registry.host}/not-pulled:1`, 'x'), (err: unknown) => err instanceof ImageError && err.code === 'NotPresent');
  });

  it('keeps layers a container uses until its rootfs is gone', async () => {
    const own = new ImageStore({ root: path.join(root, 'gc') });
    const info = await own.pull(images.httpd2);
    const rootfs = await own.createRootfs(images.httpd2, 'user');
    await assert.rejects(own.remove(images.httpd2), (err: unknown) => err instanceof ImageError && err.code === 'ImageInUse');
    assert.deepEqual(await own.remove(images.httpd2, { force: true }), [images.httpd2]);
    assert.ok(await exists(path.join(rootfs.path, 'www', 'index.html')), 'the running container keeps its files');
    const layersDir = path.join(root, 'gc', 'images', 'layers', 'sha256');
    assert.equal((await readdir(layersDir)).length, info.layers.length);
    await rootfs.cleanup();
    await own.gc();
    assert.deepEqual(await readdir(layersDir), []);
  });
});

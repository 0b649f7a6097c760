/**
 * A pull killed with SIGKILL in the middle of a layer download leaves nothing that a later pull trips over:
 * no reference, no layer, only a temp file the next pull ignores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../../fixtures/test-images.js';

const storeModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/runtime/images/image-store.js');

/** Forwards to `upstream`, but sends only the first half of any blob larger than 100 kB, then stalls. */
async function startStallingProxy(upstream: string, onStall: () => void): Promise<{ host: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const r = await fetch(`http://${upstream}${req.url ?? '/'}`, { headers: { accept: req.headers.accept ?? '*/*' } });
      const body = Buffer.from(await r.arrayBuffer());
      const headers: Record<string, string> = {};
      r.headers.forEach((v, k) => { if (k !== 'transfer-encoding') headers[k] = v; });
      res.writeHead(r.status, headers);
      if ((req.url ?? '').includes('/blobs/') && body.length > 100_000) {
        res.write(body.subarray(0, body.length >> 1), () => onStall());
        return; // never ends
      }
      res.end(body);
    })().catch((err: unknown) => { res.writeHead(502).end(String(err)); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { host: `127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

describe('kill safety', () => {
  let registry: TestRegistry;
  let images: TestImages;
  let root: string;

  before(async () => {
    registry = await startRegistry();
    images = await buildTestImages(registry.host);
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-kill-'));
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a pull killed mid-download leaves no image or layer, and the next pull succeeds', async () => {
    let stalled!: () => void;
    const stall = new Promise<void>((resolve) => { stalled = resolve; });
    const proxy = await startStallingProxy(registry.host, () => stalled());
    try {
      const script = `const { ImageStore } = await import(${JSON.stringify(storeModule)});
        await new ImageStore({ root: ${JSON.stringify(root)} }).pull(${JSON.stringify(`${proxy.host}/busybox:1`)});`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await stall;
      child.kill('SIGKILL');
      await exited;
    } finally {
      await proxy.stop();
    }
    const imagesDir = path.join(root, 'images');
    assert.deepEqual(await readdir(path.join(imagesDir, 'refs')), []);
    assert.deepEqual(await readdir(path.join(imagesDir, 'layers', 'sha256')), []);
    const blobs = await readdir(path.join(imagesDir, 'blobs', 'sha256'));
    assert.ok(blobs.some((b) => b.includes('.tmp-')), 'the interrupted download is a temp file');

    const store = new ImageStore({ root });
    const info = await store.pull(images.busybox);
    const rootfs = await store.createRootfs(images.busybox, 'after-kill');
    try {
      const bin = await readdir(path.join(rootfs.path, 'bin'));
      assert.ok(bin.includes('busybox') && bin.includes('sh'));
    } finally {
      await rootfs.cleanup();
    }
    assert.equal(info.layers.length, 1);
    await store.gc();
    const after = await readdir(path.join(imagesDir, 'blobs', 'sha256'));
    assert.ok(after.includes(info.layers[0]?.digest.slice(7) ?? ''), 'gc keeps what the image uses');
  });
});

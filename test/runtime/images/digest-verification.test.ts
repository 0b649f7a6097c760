/**
 * A loopback proxy in front of the real registry changes bytes on their way (a layer blob, or a manifest
 * fetched by digest): the store must refuse the content and keep nothing of it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { ImageError } from '../../../src/runtime/images/errors.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../../fixtures/test-images.js';

interface TamperingProxy { host: string; stop(): Promise<void> }

/** Forwards to `upstream`; for GET paths that `tamper` matches, flips one byte of the body (same length). */
async function startTamperingProxy(upstream: string, tamper: (urlPath: string) => boolean): Promise<TamperingProxy> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const upstreamRes = await fetch(`http://${upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host')) as Record<string, string>,
        redirect: 'manual',
      });
      const body = Buffer.from(await upstreamRes.arrayBuffer());
      if (req.method === 'GET' && tamper(req.url ?? '') && body.length > 0) body[body.length >> 1] ^= 0xff;
      const headers: Record<string, string> = {};
      upstreamRes.headers.forEach((value, key) => { if (key !== 'content-length' && key !== 'transfer-encoding') headers[key] = value; });
      res.writeHead(upstreamRes.status, headers).end(body);
    })().catch((err: unknown) => { res.writeHead(502).end(String(err)); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('digest verification', () => {
  let registry: TestRegistry;
  let images: TestImages;
  let root: string;
  const proxies: TamperingProxy[] = [];

  before(async () => {
    registry = await startRegistry();
    images = await buildTestImages(registry.host);
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-digest-'));
  });
  after(async () => {
    for (const p of proxies) await p.stop();
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a tampered layer blob and stores nothing of it', async () => {
    const reference = await new ImageStore({ root: path.join(root, 'reference') }).pull(images.busybox);
    const layer = reference.layers[0]?.digest;
    assert.ok(layer);
    const proxy = await startTamperingProxy(registry.host, (p) => p.endsWith(`/blobs/${layer}`));
    proxies.push(proxy);
    const storeRoot = path.join(root, 'tampered');
    const store = new ImageStore({ root: storeRoot });
    const ref = `${proxy.host}/busybox:1`;
    await assert.rejects(store.pull(ref), (err: unknown) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.code, 'DigestMismatch');
      assert.match(err.message, new RegExp(`^failed to pull image "${ref.replace(/\./g, '\\.')}": digest mismatch: .*${layer}`));
      return true;
    });
    assert.equal(await store.get(ref), undefined);
    assert.deepEqual(await readdir(path.join(storeRoot, 'images', 'layers', 'sha256')), []);
    const blobs = await readdir(path.join(storeRoot, 'images', 'blobs', 'sha256'));
    assert.ok(!blobs.some((b) => b.includes(layer.slice(7))), 'the bad blob (or its temp file) is gone');

    // The same store pulls fine from the honest registry afterwards.
    const good = await store.pull(images.busybox);
    assert.equal(good.digest, reference.digest);
  });

  it('refuses a manifest that does not match the digest it was asked by', async () => {
    const reference = await new ImageStore({ root: path.join(root, 'reference2') }).pull(images.busybox);
    const proxy = await startTamperingProxy(registry.host, (p) => p.includes('/manifests/sha256:'));
    proxies.push(proxy);
    const ref = `${proxy.host}/busybox@${reference.digest}`;
    await assert.rejects(new ImageStore({ root: path.join(root, 'tampered2') }).pull(ref), (err: unknown) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.code, 'DigestMismatch');
      assert.match(err.message, /^failed to pull image ".*": digest mismatch: manifest sha256:/);
      return true;
    });
  });
});

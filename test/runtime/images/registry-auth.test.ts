import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../../../src/runtime/images/image-store.js';
import { ImageError } from '../../../src/runtime/images/errors.js';
import { DockerConfig } from '../../../src/runtime/images/docker-config.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { startTokenServer, type TokenServer } from '../../fixtures/token-server.js';
import { buildTestImages } from '../../fixtures/test-images.js';

async function pullError(promise: Promise<unknown>): Promise<ImageError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ImageError, `expected an ImageError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the pull to fail');
}

const dockerConfigFor = (host: string, username: string, password: string): DockerConfig =>
  DockerConfig.parse(JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }));

describe('registry authentication', () => {
  let root: string;
  before(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-auth-')); });
  after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

  describe('basic auth (htpasswd)', () => {
    let registry: TestRegistry;
    let image: string;
    before(async () => {
      registry = await startRegistry({ auth: 'basic' });
      assert.ok(registry.credentials);
      image = (await buildTestImages(registry.host, { credentials: registry.credentials })).busybox;
    });
    after(async () => { await registry?.stop(); });

    it('without credentials: unauthorized, with a hint to add a pull secret', async () => {
      const err = await pullError(new ImageStore({ root: path.join(root, 'basic-anon') }).pull(image));
      assert.equal(err.code, 'Unauthorized');
      assert.match(err.message, new RegExp(`^failed to pull image "${image.replace(/\./g, '\\.')}": unauthorized: .*imagePullSecret`));
    });

    it('with wrong credentials: unauthorized', async () => {
      const err = await pullError(new ImageStore({ root: path.join(root, 'basic-wrong') }).pull(image, { auth: { username: 'stratus', password: 'wrong' } }));
      assert.equal(err.code, 'Unauthorized');
    });

    it('follows blob redirects to another host without sending it the credentials', async () => {
      const creds = registry.credentials;
      assert.ok(creds);
      const upstreamAuth = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      const seenByStorage: Array<string | undefined> = [];
      const listen = async (server: Server): Promise<number> => {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const a = server.address();
        return typeof a === 'object' && a ? a.port : 0;
      };
      // "Storage" (like a CDN behind Docker Hub): serves blobs itself, must never see the registry credentials.
      const storage = createServer((req, res) => {
        seenByStorage.push(req.headers.authorization);
        void fetch(`${registry.url}${new URL(req.url ?? '/', 'http://x').searchParams.get('path') ?? ''}`, { headers: { authorization: upstreamAuth } })
          .then(async (r) => { res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())); });
      });
      const storagePort = await listen(storage);
      // Front door: passes everything to the registry, but redirects blob downloads to storage.
      const front = createServer((req, res) => {
        const url = req.url ?? '/';
        if (url.includes('/blobs/')) {
          res.writeHead(307, { location: `http://127.0.0.1:${storagePort}/blob?path=${encodeURIComponent(url)}` }).end();
          return;
        }
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'accept']) { const v = req.headers[h]; if (typeof v === 'string') headers[h] = v; }
        void fetch(`${registry.url}${url}`, { headers }).then(async (r) => {
          const out: Record<string, string> = {};
          r.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding') out[k] = v; });
          res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
        });
      });
      const frontPort = await listen(front);
      try {
        const ref = `127.0.0.1:${frontPort}/busybox:1`;
        const info = await new ImageStore({ root: path.join(root, 'basic-redirect') }).pull(ref, { auth: dockerConfigFor(`127.0.0.1:${frontPort}`, creds.username, creds.password) });
        assert.deepEqual(info.config.cmd, ['sh']);
        assert.ok(seenByStorage.length >= 2, 'config and layer came from storage');
        assert.deepEqual(seenByStorage.filter((a) => a !== undefined), [], 'no Authorization header crossed hosts');
      } finally {
        for (const server of [front, storage]) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      }
    });

    it('with credentials from a dockerconfigjson pull secret: pulls', async () => {
      const creds = registry.credentials;
      assert.ok(creds);
      const info = await new ImageStore({ root: path.join(root, 'basic-ok') }).pull(image, { auth: dockerConfigFor(registry.host, creds.username, creds.password) });
      assert.deepEqual(info.config.cmd, ['sh']);
    });
  });

  describe('bearer tokens (Docker Hub style token service)', () => {
    let tokens: TokenServer;
    let registry: TestRegistry;
    let image: string;
    before(async () => {
      tokens = await startTokenServer();
      registry = await startRegistry({ auth: { token: tokens } });
      image = (await buildTestImages(registry.host, { credentials: tokens.credentials })).httpd1;
    });
    after(async () => {
      await registry?.stop();
      await tokens?.stop();
    });

    it('anonymous: the token grants nothing and the registry says unauthorized', async () => {
      const err = await pullError(new ImageStore({ root: path.join(root, 'token-anon') }).pull(image));
      assert.equal(err.code, 'Unauthorized');
      assert.match(err.message, /^failed to pull image ".*": unauthorized/);
    });

    it('bad password: the token service refuses', async () => {
      const err = await pullError(new ImageStore({ root: path.join(root, 'token-bad') }).pull(image, { auth: { username: tokens.credentials.username, password: 'nope' } }));
      assert.equal(err.code, 'Unauthorized');
      assert.match(err.message, /token service .* rejected the credentials/);
    });

    it('with credentials: fetches a token, then pulls every blob with it', async () => {
      const before = tokens.requests;
      const { username, password } = tokens.credentials;
      const info = await new ImageStore({ root: path.join(root, 'token-ok') }).pull(image, { auth: dockerConfigFor(registry.host, username, password) });
      assert.equal(info.layers.length, 2);
      assert.equal(tokens.requests - before, 1, 'one token, reused for manifest, config and layers');
    });
  });
});

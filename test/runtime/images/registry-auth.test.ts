import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

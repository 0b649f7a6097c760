import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegistryClient, isLoopbackRegistry } from '../../../src/runtime/images/registry-client.js';
import { parseManifest, MediaType } from '../../../src/runtime/images/media-types.js';

describe('RegistryClient transport choice', () => {
  it('uses plain HTTP only for loopback and insecure registries', () => {
    const client = new RegistryClient({ insecureRegistries: ['registry.lan:5000', 'http://other.lan'] });
    assert.equal(client.baseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000');
    assert.equal(client.baseUrl('localhost:5000'), 'http://localhost:5000');
    assert.equal(client.baseUrl('[::1]:5000'), 'http://[::1]:5000');
    assert.equal(client.baseUrl('registry.lan:5000'), 'http://registry.lan:5000');
    assert.equal(client.baseUrl('other.lan'), 'http://other.lan');
    assert.equal(client.baseUrl('registry.lan:6000'), 'https://registry.lan:6000');
    assert.equal(client.baseUrl('ghcr.io'), 'https://ghcr.io');
    assert.equal(client.baseUrl('docker.io'), 'https://registry-1.docker.io');
    assert.equal(isLoopbackRegistry('127.8.9.10'), true);
    assert.equal(isLoopbackRegistry('128.0.0.1'), false);
  });
});

describe('manifest classification', () => {
  it('tells indexes, manifests and unsupported schema 1 apart', () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    assert.equal(parseManifest(index, 'application/json').kind, 'index');
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { mediaType: MediaType.dockerConfig, digest: 'sha256:x', size: 1 }, layers: [] }));
    assert.equal(parseManifest(manifest, MediaType.dockerManifest).kind, 'manifest');
    const v1 = parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x' })), MediaType.dockerSchema1Signed);
    assert.equal(v1.kind, 'unsupported');
    assert.match(v1.kind === 'unsupported' ? v1.why : '', /schema 1/);
    assert.equal(parseManifest(Buffer.from('nope')).kind, 'unsupported');
  });
});

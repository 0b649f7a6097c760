import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerConfig, DockerConfigError } from '../../../src/runtime/images/docker-config.js';
import { parseAuthChallenge } from '../../../src/runtime/images/auth-challenge.js';
import { selectPlatform } from '../../../src/runtime/images/platform.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('DockerConfig (.dockerconfigjson)', () => {
  it('reads auth, username/password and identity tokens, keyed by host', () => {
    const config = DockerConfig.parse(JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
        'registry.example.com:5000': { username: 'u', password: 'p:with:colons' },
        'ghcr.io': { identitytoken: 'refresh-me' },
      },
    }));
    assert.deepEqual(config.credentialsFor('docker.io', 'library/busybox'), { username: 'hubuser', password: 'hubpass' });
    assert.deepEqual(config.credentialsFor('registry.example.com:5000', 'x'), { username: 'u', password: 'p:with:colons' });
    assert.deepEqual(config.credentialsFor('ghcr.io', 'o/app'), { identityToken: 'refresh-me' });
    assert.equal(config.credentialsFor('registry.example.com', 'x'), undefined, 'the port is part of the key');
  });

  it('prefers the longest path prefix and supports wildcard hosts', () => {
    const config = DockerConfig.parse(JSON.stringify({
      auths: {
        'reg.io': { auth: b64('any:1') },
        'reg.io/team': { auth: b64('team:2') },
        '*.corp.example': { auth: b64('wild:3') },
      },
    }));
    assert.equal((config.credentialsFor('reg.io', 'team/app') as { username: string }).username, 'team');
    assert.equal((config.credentialsFor('reg.io', 'teammate/app') as { username: string }).username, 'any');
    assert.equal((config.credentialsFor('eu.corp.example', 'a') as { username: string }).username, 'wild');
    assert.equal(config.credentialsFor('corp.example', 'a'), undefined);
  });

  it('reads a Secret data map and the legacy .dockercfg form', () => {
    const secret = { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'r.io': { auth: b64('a:b') } } })) };
    assert.deepEqual(DockerConfig.fromSecretData(secret).credentialsFor('r.io', 'x'), { username: 'a', password: 'b' });
    const legacy = { '.dockercfg': b64(JSON.stringify({ 'r.io': { auth: b64('c:d') } })) };
    assert.deepEqual(DockerConfig.fromSecretData(legacy).credentialsFor('r.io', 'x'), { username: 'c', password: 'd' });
    const merged = DockerConfig.merge(DockerConfig.fromSecretData(secret), DockerConfig.fromSecretData(legacy));
    assert.equal(merged.size, 2);
  });

  it('rejects malformed configs with a clear error', () => {
    assert.throws(() => DockerConfig.parse('{not json'), DockerConfigError);
    assert.throws(() => DockerConfig.parse(JSON.stringify({ auths: { 'r.io': { auth: b64('no-colon') } } })), /username:password/);
    assert.throws(() => DockerConfig.fromSecretData({}), /dockerconfigjson/);
  });
});

describe('WWW-Authenticate challenges', () => {
  it('parses Docker Hub style bearer challenges', () => {
    const c = parseAuthChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } });
  });
  it('parses basic challenges and skips unknown schemes', () => {
    assert.deepEqual(parseAuthChallenge('Basic realm="registry"'), { scheme: 'basic', params: { realm: 'registry' } });
    assert.deepEqual(parseAuthChallenge('Negotiate abc, Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
    assert.equal(parseAuthChallenge(null), undefined);
  });
});

describe('platform selection', () => {
  const d = (architecture: string, variant?: string, os = 'linux') => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture}${variant ?? ''}`, size: 1,
    platform: variant ? { os, architecture, variant } : { os, architecture },
  });
  it('picks linux/amd64 from a list regardless of order, and never an attestation', () => {
    const list = [d('unknown', undefined, 'unknown'), d('arm64', 'v8'), d('amd64')];
    assert.equal(selectPlatform(list, { os: 'linux', architecture: 'amd64' })?.digest, 'sha256:amd64');
    assert.equal(selectPlatform(list, { os: 'linux', architecture: 'arm64' })?.digest, 'sha256:arm64v8');
    assert.equal(selectPlatform([d('arm64')], { os: 'linux', architecture: 'amd64' }), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalReference, defaultPullPolicy, familiarReference, parseReference,
} from '../../../src/runtime/images/reference.js';
import { ImageError } from '../../../src/runtime/images/errors.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it('defaults Docker Hub names to docker.io/library and the tag to latest', () => {
    assert.deepEqual(parseReference('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: 'latest', input: 'busybox' });
    assert.equal(canonicalReference(parseReference('busybox:1.36')), 'docker.io/library/busybox:1.36');
    assert.equal(canonicalReference(parseReference('bitnami/redis')), 'docker.io/bitnami/redis:latest');
    assert.equal(canonicalReference(parseReference('index.docker.io/library/busybox:1')), 'docker.io/library/busybox:1');
  });

  it('keeps a registry host with a port, localhost, and nested namespaces', () => {
    const ref = parseReference('127.0.0.1:5000/app:v1');
    assert.equal(ref.registry, '127.0.0.1:5000');
    assert.equal(ref.repository, 'app');
    assert.equal(ref.tag, 'v1');
    assert.equal(parseReference('localhost/a/b').registry, 'localhost');
    assert.equal(parseReference('ghcr.io/org/team/app:1.0').repository, 'org/team/app');
    assert.equal(familiarReference(parseReference('docker.io/library/busybox:1')), 'busybox:1');
  });

  it('parses digests, with or without a tag', () => {
    const ref = parseReference(`host.example/ns/app@${digest}`);
    assert.equal(ref.digest, digest);
    assert.equal(ref.tag, undefined);
    assert.equal(canonicalReference(ref), `host.example/ns/app@${digest}`);
    const both = parseReference(`app:1@${digest}`);
    assert.equal(both.tag, '1');
    assert.equal(both.digest, digest);
  });

  it('rejects bad names with InvalidReference and a reason', () => {
    for (const bad of ['', 'Busybox', 'ns/UPPER', 'busybox:', 'a//b', 'app@sha256:123', 'app:tag with space', '-lead', 'app:-x']) {
      assert.throws(() => parseReference(bad), (err: unknown) => {
        assert.ok(err instanceof ImageError, `${bad} should fail`);
        assert.equal(err.code, 'InvalidReference');
        assert.equal(err.kubernetesReason, 'InvalidImageName');
        assert.match(err.message, /^invalid image reference/);
        return true;
      });
    }
  });

  it('chooses Kubernetes default pull policies', () => {
    assert.equal(defaultPullPolicy('busybox'), 'Always');
    assert.equal(defaultPullPolicy('busybox:latest'), 'Always');
    assert.equal(defaultPullPolicy('busybox:1'), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`busybox@${digest}`), 'IfNotPresent');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourcePath } from '../../src/apiserver/request-info.js';
import { negotiate, patchTypeOf, decodeObjectBody } from '../../src/apiserver/negotiation.js';
import { ClusterIpAllocator, parseCidr } from '../../src/apiserver/admission/cluster-ip-allocator.js';
import { ApiError } from '../../src/api/errors.js';

test('resource paths: collections, objects, subresources, namespace subresources', () => {
  assert.deepEqual(parseResourcePath('/api/v1'), { group: '', version: 'v1' });
  assert.deepEqual(parseResourcePath('/api/v1/pods'), { group: '', version: 'v1', plural: 'pods' });
  assert.deepEqual(parseResourcePath('/api/v1/namespaces/ns/pods/p/status'), { group: '', version: 'v1', namespace: 'ns', plural: 'pods', name: 'p', subresource: 'status' });
  assert.deepEqual(parseResourcePath('/api/v1/namespaces/ns'), { group: '', version: 'v1', plural: 'namespaces', name: 'ns' });
  assert.deepEqual(parseResourcePath('/api/v1/namespaces/ns/finalize'), { group: '', version: 'v1', plural: 'namespaces', name: 'ns', subresource: 'finalize' });
  assert.deepEqual(parseResourcePath('/apis/apps/v1/namespaces/ns/deployments/d/scale'), { group: 'apps', version: 'v1', namespace: 'ns', plural: 'deployments', name: 'd', subresource: 'scale' });
  assert.equal(parseResourcePath('/apis/apps'), undefined);
  assert.equal(parseResourcePath('/api/v1/namespaces/ns/pods/p/status/x'), undefined);
  assert.equal(parseResourcePath('/api/v1/namespaces/%zz/pods'), undefined);
});

test('Accept negotiation: Table, aggregated discovery, protobuf falls back to JSON, YAML', () => {
  assert.deepEqual(negotiate('application/json;as=Table;v=v1;g=meta.k8s.io,application/json'), { format: 'json', table: true, aggregatedDiscovery: false });
  assert.equal(negotiate('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json').aggregatedDiscovery, true);
  assert.equal(negotiate('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json').aggregatedDiscovery, false);
  assert.deepEqual(negotiate('application/vnd.kubernetes.protobuf, */*'), { format: 'json', table: false, aggregatedDiscovery: false });
  assert.equal(negotiate('application/yaml').format, 'yaml');
  assert.equal(negotiate(undefined).format, 'json');
});

test('patch and body media types', () => {
  assert.equal(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8'), 'strategic');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assert.throws(() => patchTypeOf('application/json'), (e: ApiError) => e.code === 415);
  assert.deepEqual(decodeObjectBody(Buffer.from('a: 1\n'), 'application/yaml'), { a: 1 });
  assert.throws(() => decodeObjectBody(Buffer.from('[1]'), 'application/json'), (e: ApiError) => e.code === 400);
  assert.throws(() => decodeObjectBody(Buffer.from('{}'), 'text/html'), (e: ApiError) => e.code === 415);
  assert.throws(() => decodeObjectBody(Buffer.from(`${'{"a":'.repeat(150)}1${'}'.repeat(150)}`), 'application/json'), (e: ApiError) => e.code === 400);
});

test('cluster IP allocator: first address reserved, no duplicates, release, range checks', () => {
  const a = new ClusterIpAllocator(parseCidr('10.0.0.0/29'));
  assert.equal(a.kubernetesServiceIp, '10.0.0.1');
  a.markUsed('10.0.0.1');
  const got = new Set<string>();
  for (let i = 0; i < 5; i++) got.add(a.allocate());
  assert.equal(got.size, 5);
  assert.ok(!got.has('10.0.0.1') && !got.has('10.0.0.0') && !got.has('10.0.0.7'));
  assert.throws(() => a.allocate(), (e: ApiError) => e.code === 500);
  a.release('10.0.0.3');
  assert.equal(a.allocate(), '10.0.0.3');
  assert.match(a.reserve('10.1.0.1') ?? '', /not in the valid range/);
  assert.match(a.reserve('10.0.0.3') ?? '', /already allocated/);
  assert.throws(() => parseCidr('10.0.0.0'));
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, pod, type TestServer, type RequestOptions } from './harness.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
  await t.client.post('/api/v1/namespaces/default/pods', pod('target'));
  await t.client.post('/apis/apps/v1/namespaces/default/deployments', {
    metadata: { name: 'dep' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
});
after(async () => { await t.stop(); });

const POD = '/api/v1/namespaces/default/pods/target';
const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

const MALFORMED_BODIES: Array<string | Buffer> = [
  '', '{', '[', '}', 'null', '1', '"x"', 'true', '[]', '{"a":}', '{"metadata":5}', '{"metadata":[]}', '{"metadata":{"name":5}}',
  '{"metadata":{"name":"x","labels":{"a":1}}}', '{"metadata":{"name":"x","labels":"a"}}', '{"metadata":{"name":"x","annotations":[1]}}',
  '{"metadata":{"name":"x","finalizers":"f"}}', '{"metadata":{"name":"x"},"spec":"nope"}', '{"metadata":{"name":"x"},"spec":{"containers":"x"}}',
  '{"metadata":{"name":"x"},"spec":{"containers":[{"name":5}]}}', '{"metadata":{"name":"x"},"spec":{"containers":[1,2]}}',
  '{"apiVersion":"apps/v1","kind":"Pod","metadata":{"name":"x"}}', '{"apiVersion":"v1","kind":"Deployment","metadata":{"name":"x"}}',
  '{"metadata":{"name":"x","namespace":"other"}}', '{"metadata":{"name":"../etc"}}', '{"metadata":{"name":"a/b"}}', '{"metadata":{"name":""}}',
  '{"metadata":{"name":"UPPER"}}', '{"metadata":{"name":"x","resourceVersion":"5"}}', '{"metadata":{"generateName":7}}',
  '\u0000\u0001\u0002', Buffer.from([0xff, 0xfe, 0xfd, 0x00]), '{"metadata":{"name":"x"}', '{"metadata":{"name":"x"}}}', 'apiVersion: v1',
  '[' .repeat(50_000), '{"a":'.repeat(20_000), `{"metadata":{"name":"x"},"spec":${'{"a":'.repeat(500)}1${'}'.repeat(500)}}`,
  JSON.stringify({ metadata: { name: 'x'.repeat(300) }, spec: { containers: [{ name: 'c', image: 'i' }] } }),
  JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 'eighty' }] }] } }),
  JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [] } }),
  JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } }),
];

/** Bodies above that are valid no-op patches of that type (Kubernetes answers them 200). */
const VALID_PATCHES: Record<string, string[]> = {
  'application/json-patch+json': ['[]'],
  'application/strategic-merge-patch+json': [
    JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [] } }).replace('"x"', '"target"'),
  ],
};

const YAML_BODIES = ['a: [', 'key: value: other', '- a\n- b', '&a [*a]', 'a: &a [*a, *a, *a, *a, *a]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]', '\t- x', '!!binary abc', `${'- '.repeat(500)}x`];

const BAD_QUERIES = [
  '?limit=abc', '?limit=-1', '?limit=1e9999', '?resourceVersion=abc', '?resourceVersion=-5', '?resourceVersion=1&resourceVersionMatch=Sometimes',
  '?resourceVersionMatch=Exact', '?resourceVersion=0&resourceVersionMatch=Exact', '?continue=garbage', '?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIvb3RoZXIifQ',
  '?limit=1&continue=abc&resourceVersion=5', '?labelSelector=(((', '?labelSelector=a%20in%20(', '?labelSelector=!!a', '?labelSelector=a%3D%3D%3Db',
  '?fieldSelector=spec.bogus%3Dx', '?fieldSelector=%3D%3D', '?fieldSelector=metadata.name%3E5', '?watch=1&timeoutSeconds=abc', '?watch=1&resourceVersion=abc',
  '?watch=1&labelSelector=(((', '?resourceVersion=99999999999',
];

interface Probe { method: string; path: string; options: RequestOptions; write: boolean }

function probes(): Probe[] {
  const out: Probe[] = [];
  for (const raw of MALFORMED_BODIES) {
    out.push({ method: 'POST', path: PODS, options: { raw }, write: true });
    out.push({ method: 'PUT', path: POD, options: { raw }, write: true });
    out.push({ method: 'POST', path: DEPLOYS, options: { raw }, write: true });
    for (const ct of ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json']) {
      if (VALID_PATCHES[ct]?.includes(String(raw))) continue;
      out.push({ method: 'PATCH', path: POD, options: { raw, contentType: ct }, write: true });
    }
  }
  for (const raw of YAML_BODIES) {
    out.push({ method: 'POST', path: PODS, options: { raw, contentType: 'application/yaml' }, write: true });
    out.push({ method: 'PATCH', path: `${POD}?fieldManager=t`, options: { raw, contentType: 'application/apply-patch+yaml' }, write: true });
  }
  const validPod = JSON.stringify(pod('never'));
  for (const ct of ['text/plain', 'application/xml', 'garbage', 'application/vnd.kubernetes.protobuf', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
    out.push({ method: 'POST', path: PODS, options: { raw: validPod, contentType: ct }, write: true });
    out.push({ method: 'PATCH', path: POD, options: { raw: '{}', contentType: ct }, write: true });
  }
  for (const patch of ['[{"op":"explode","path":"/x"}]', '[{"op":"remove","path":"/nope/deeper"}]', '[{"op":"test","path":"/metadata/name","value":"other"}]',
    '[{"op":"replace","path":"/spec/containers","value":5}]', '[{"op":"add"}]', '[{"op":"move","from":"/nope","path":"/x"}]', '{"op":"add"}']) {
    out.push({ method: 'PATCH', path: POD, options: { raw: patch, contentType: 'application/json-patch+json' }, write: true });
  }
  for (const patch of ['{"spec":{"containers":[{"$patch":"bogus"}]}}', '{"$patch":"explode"}', '{"metadata":{"resourceVersion":"1"}}', '{"spec":{"containers":null}}',
    '{"metadata":{"uid":"not-the-uid"}}', '{"metadata":{"name":"renamed"}}', '{"spec":{"$retainKeys":5}}']) {
    out.push({ method: 'PATCH', path: POD, options: { raw: patch, contentType: 'application/strategic-merge-patch+json' }, write: true });
  }
  out.push({ method: 'PATCH', path: POD, options: { raw: 'metadata: {name: target}', contentType: 'application/apply-patch+yaml' }, write: true });
  out.push({ method: 'PATCH', path: `${POD}?force=true`, options: { raw: '{}', contentType: 'application/merge-patch+json' }, write: true });
  for (const q of ['?dryRun=Some', '?fieldValidation=Maybe', `?fieldManager=${'m'.repeat(200)}`, '?fieldValidation=Strict']) {
    out.push({ method: 'POST', path: `${PODS}${q}`, options: { raw: q.includes('Strict') ? JSON.stringify({ ...pod('strict'), spec: { containers: [{ name: 'c', image: 'i' }], bogus: 1 } }) : validPod }, write: true });
  }
  for (const q of ['?propagationPolicy=Sideways', '?gracePeriodSeconds=abc', '?dryRun=Maybe']) out.push({ method: 'DELETE', path: `${POD}${q}`, options: {}, write: true });
  for (const raw of ['{', '{"preconditions":{"uid":"other"}}', '{"preconditions":5}', '{"gracePeriodSeconds":"x"}', '{"propagationPolicy":"No"}']) {
    out.push({ method: 'DELETE', path: POD, options: { raw }, write: true });
  }
  out.push({ method: 'POST', path: `${POD}/binding`, options: { raw: '{"target":{}}' }, write: true });
  out.push({ method: 'POST', path: `${POD}/binding`, options: { raw: '[' }, write: true });
  out.push({ method: 'PUT', path: `${DEPLOYS}/dep/scale`, options: { raw: '{"spec":{"replicas":"many"}}' }, write: true });
  out.push({ method: 'PATCH', path: `${DEPLOYS}/dep/scale`, options: { raw: '{"spec":{"replicas":-3}}', contentType: 'application/merge-patch+json' }, write: true });
  out.push({ method: 'POST', path: '/api/v1/namespaces/missing/pods', options: { raw: validPod }, write: true });
  out.push({ method: 'POST', path: '/api/v1/pods', options: { raw: validPod }, write: true });
  out.push({ method: 'POST', path: PODS, options: { raw: Buffer.alloc(4 * 1024 * 1024, 0x20) }, write: true });
  out.push({ method: 'PATCH', path: POD, options: { raw: JSON.stringify(Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }))), contentType: 'application/json-patch+json' }, write: true });

  for (const q of BAD_QUERIES) {
    out.push({ method: 'GET', path: `${PODS}${q}`, options: {}, write: false });
    out.push({ method: 'GET', path: `/api/v1/pods${q}`, options: {}, write: false });
  }
  for (const path of ['/api/v1/namespaces/default/pods/target/a/b', '/api/v1/nonsense', '/apis/apps', '/apis/nope/v9/things', '/api/v1/pods/target', '/api/v1/namespaces/%zz/pods',
    '/api/v1/namespaces/default/pods/target/status/extra', '/api/v1/nodes/x/binding', '/api/v1/namespaces/default/configmaps/x/scale', '/openapi/v3/apis/nope/v1', '/nope']) {
    out.push({ method: 'GET', path, options: {}, write: false });
  }
  for (const method of ['PUT', 'PATCH']) out.push({ method, path: PODS, options: { raw: '{}' }, write: true });
  out.push({ method: 'DELETE', path: '/api/v1', options: {}, write: true });
  out.push({ method: 'POST', path: `${POD}/status`, options: { raw: '{}' }, write: true });
  for (const auth of ['Bearer', 'Basic abc', 'Bearer  ', 'bearer wrong', `Bearer ${'x'.repeat(5000)}`]) {
    out.push({ method: 'POST', path: PODS, options: { raw: validPod, token: null, headers: { authorization: auth } }, write: true });
  }
  out.push({ method: 'POST', path: PODS, options: { raw: validPod, token: null }, write: true });
  return out;
}

test('hundreds of malformed or invalid requests: every answer is a 4xx Status, no 5xx, and nothing is written', async () => {
  const all = probes();
  assert.ok(all.length >= 300, `only ${all.length} probes`);
  const revisionBefore = await t.store.revision();
  const failures: string[] = [];
  for (const p of all) {
    const r = await t.client.request(p.method, p.path, p.options);
    const label = `${p.method} ${p.path.slice(0, 80)} ${p.options.contentType ?? ''} ${String(p.options.raw ?? '').slice(0, 60)}`;
    // Kubernetes answers a resourceVersion from the future with 504 "Too large resource version" (clients retry on it).
    const tooLarge = r.status === 504 && /Too large resource version/.test(r.text);
    if ((r.status < 400 || r.status >= 500) && !tooLarge) failures.push(`${r.status} ${label}: ${r.text.slice(0, 200)}`);
    else if (r.json?.kind !== 'Status' || r.json?.status !== 'Failure' || r.json?.code !== r.status) failures.push(`not a Status: ${label}: ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(failures, []);
  assert.equal(await t.store.revision(), revisionBefore, 'rejected writes changed the store');
  const target = await t.client.get(POD);
  assert.equal(target.status, 200);
  assert.deepEqual(target.json.metadata.labels, { app: 'web' });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, OpenApiDocuments } from '../../../src/apiserver/openapi/index.js';
import { fixtureKinds } from './fixture-kinds.js';

const docs = new OpenApiDocuments(fixtureKinds);

test('/openapi/v2 answers protobuf to kubectl and JSON to everyone else', () => {
  const pb = docs.serve({ path: '/openapi/v2', accept: OPENAPI_V2_PROTOBUF });
  assert.equal(pb?.status, 200);
  assert.equal(pb?.headers['content-type'], OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
  assert.equal(pb?.body?.[0], 0x0a, 'starts with field 1 (swagger), length-delimited');
  const json = docs.serve({ path: '/openapi/v2', accept: 'application/json' });
  assert.equal(json?.headers['content-type'], 'application/json');
  assert.equal(JSON.parse(json?.body?.toString() ?? '{}').swagger, '2.0');
  assert.equal(docs.serve({ path: '/openapi/v2' })?.headers['content-type'], 'application/json');
  assert.equal(docs.serve({ path: '/openapi/v2', accept: 'text/html' })?.status, 406);
  assert.notEqual(pb?.headers['etag'], json?.headers['etag']);
});

test('ETags: a matching If-None-Match gets 304 without a body', () => {
  const first = docs.serve({ path: '/openapi/v3', accept: 'application/json, */*' });
  assert.equal(first?.status, 200);
  assert.match(first?.headers['etag'] ?? '', /^"[0-9A-F]{128}"$/);
  const again = docs.serve({ path: '/openapi/v3', accept: 'application/json, */*', ifNoneMatch: first?.headers['etag'] });
  assert.equal(again?.status, 304);
  assert.equal(again?.body, undefined);
  assert.equal(docs.serve({ path: '/openapi/v3', ifNoneMatch: '"stale"' })?.status, 200);
});

test('group-version documents: hash makes them immutable, a stale hash redirects, unknown ones are 404', () => {
  const index = JSON.parse(docs.serve({ path: '/openapi/v3' })?.body?.toString() ?? '{}') as { paths: Record<string, { serverRelativeURL: string }> };
  const url = new URL(index.paths['apis/apps/v1']?.serverRelativeURL ?? '', 'https://x');
  const hash = url.searchParams.get('hash') ?? '';
  const fresh = docs.serve({ path: url.pathname, hash, accept: 'application/json' });
  assert.equal(fresh?.status, 200);
  assert.equal(fresh?.headers['cache-control'], 'public, immutable');
  assert.ok(fresh?.headers['expires']);
  assert.equal(JSON.parse(fresh?.body?.toString() ?? '{}').openapi, '3.0.0');
  const stale = docs.serve({ path: url.pathname, hash: 'ABC', accept: 'application/json' });
  assert.equal(stale?.status, 301);
  assert.equal(stale?.headers['location'], `${url.pathname}?hash=${hash}`);
  assert.equal(docs.serve({ path: url.pathname })?.headers['cache-control'], 'no-cache, private');
  const missing = docs.serve({ path: '/openapi/v3/apis/batch/v1' });
  assert.equal(missing?.status, 404);
  assert.equal(JSON.parse(missing?.body?.toString() ?? '{}').kind, 'Status');
  assert.equal(docs.serve({ path: '/apis/apps/v1' }), undefined);
  assert.ok(OpenApiDocuments.handles('/openapi/v3/api/v1'));
  assert.ok(!OpenApiDocuments.handles('/api/v1'));
});

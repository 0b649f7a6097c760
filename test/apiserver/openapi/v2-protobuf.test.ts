import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOpenApiV2, openApiV2 } from '../../../src/apiserver/openapi/index.js';
import { fixtureKinds } from './fixture-kinds.js';

/** A tiny protobuf reader for the test: field number → raw values (numbers for varints, Buffers otherwise). */
function decode(buffer: Buffer): Map<number, Array<number | Buffer>> {
  const fields = new Map<number, Array<number | Buffer>>();
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let factor = 1;
    for (;;) {
      const byte = buffer[offset++];
      assert.ok(byte !== undefined, 'truncated varint');
      result += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return result;
      factor *= 128;
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = buffer.subarray(offset, offset + length);
      assert.ok(offset + length <= buffer.length, 'length runs past the end');
      offset += length;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const str = (value: number | Buffer | undefined) => (value instanceof Buffer ? value.toString('utf8') : undefined);
const msg = (value: number | Buffer | undefined) => {
  assert.ok(value instanceof Buffer);
  return decode(value);
};

/** NamedX entries (name=1, value=2) of a repeated field, as a map. */
function named(entries: Array<number | Buffer> | undefined): Map<string, Map<number, Array<number | Buffer>>> {
  const out = new Map<string, Map<number, Array<number | Buffer>>>();
  for (const entry of entries ?? []) {
    const fields = msg(entry);
    out.set(str(fields.get(1)?.[0]) ?? '', msg(fields.get(2)?.[0]));
  }
  return out;
}

const json = openApiV2(fixtureKinds);
const doc = decode(encodeOpenApiV2(json));

test('the protobuf Document carries swagger, info, every definition and every path', () => {
  assert.equal(str(doc.get(1)?.[0]), '2.0');
  assert.equal(str(msg(doc.get(2)?.[0]).get(1)?.[0]), 'Kubernetes');
  const definitions = named(msg(doc.get(9)?.[0]).get(1));
  assert.deepEqual([...definitions.keys()], Object.keys(json.definitions));
  const paths = named(msg(doc.get(8)?.[0]).get(2));
  assert.deepEqual([...paths.keys()], Object.keys(json.paths));
});

test('schemas: type, properties, $ref, required and vendor extensions (as YAML-readable JSON)', () => {
  const definitions = named(msg(doc.get(9)?.[0]).get(1));
  const deployment = definitions.get('io.k8s.api.apps.v1.Deployment');
  assert.ok(deployment);
  assert.equal(str(msg(deployment.get(22)?.[0]).get(1)?.[0]), 'object');
  const extensions = named(deployment.get(31));
  const gvk = extensions.get('x-kubernetes-group-version-kind');
  assert.deepEqual(JSON.parse(str(gvk?.get(2)?.[0]) ?? 'null'), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  const properties = named(msg(deployment.get(25)?.[0]).get(1));
  assert.deepEqual([...properties.keys()].sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.equal(str(properties.get('spec')?.get(1)?.[0]), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');

  const podSpec = definitions.get('io.k8s.api.core.v1.PodSpec');
  assert.deepEqual(podSpec?.get(19)?.map(str), ['containers']);
  const containers = named(msg(podSpec?.get(25)?.[0]).get(1)).get('containers');
  const containerExtensions = named(containers?.get(31));
  assert.equal(JSON.parse(str(containerExtensions.get('x-kubernetes-patch-merge-key')?.get(2)?.[0]) ?? 'null'), 'name');
  const items = msg(containers?.get(23)?.[0]);
  assert.equal(str(msg(items.get(1)?.[0]).get(1)?.[0]), '#/definitions/io.k8s.api.core.v1.Container');

  const labels = named(msg(definitions.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')?.get(25)?.[0]).get(1)).get('labels');
  const additional = msg(labels?.get(21)?.[0]);
  assert.equal(str(msg(msg(additional.get(1)?.[0]).get(22)?.[0]).get(1)?.[0]), 'string');
});

test('operations: patch of a kind lists fieldValidation and its group-version-kind', () => {
  const paths = named(msg(doc.get(8)?.[0]).get(2));
  const item = paths.get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
  const patch = msg(item?.get(8)?.[0]);
  assert.equal(str(patch.get(5)?.[0]), 'patchAppsV1NamespacedDeployment');
  assert.ok(patch.get(7)?.map(str).includes('application/strategic-merge-patch+json'));
  const queryNames = (patch.get(8) ?? []).map((p) => {
    const parameter = msg(msg(p).get(1)?.[0]);
    const nonBody = parameter.get(2)?.[0];
    if (!nonBody) return undefined;
    const query = msg(nonBody).get(3)?.[0];
    return query ? str(msg(query).get(4)?.[0]) : undefined;
  });
  assert.ok(queryNames.includes('fieldValidation'));
  const gvk = named(patch.get(13)).get('x-kubernetes-group-version-kind');
  assert.deepEqual(JSON.parse(str(gvk?.get(2)?.[0]) ?? 'null'), { group: 'apps', kind: 'Deployment', version: 'v1' });
  const pathParams = (item?.get(9) ?? []).map((p) => {
    const nonBody = msg(msg(msg(p).get(1)?.[0]).get(2)?.[0]);
    const sub = nonBody.get(4)?.[0] ?? nonBody.get(3)?.[0];
    return str(msg(sub).get(4)?.[0]);
  });
  assert.deepEqual(pathParams, ['namespace', 'name', 'pretty']);
});

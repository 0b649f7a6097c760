/** Hostile keys (`__proto__`, `constructor`) in patches or managedFields must never reach Object.prototype. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMerge } from '../../../src/apiserver/patch/strategic-merge-patch.js';
import { applyMergePatch } from '../../../src/apiserver/patch/merge-patch.js';
import { applyJsonPatch } from '../../../src/apiserver/patch/json-patch.js';
import { apply, recordUpdate } from '../../../src/apiserver/patch/server-side-apply.js';
import { deploymentSchema, resolve } from './schema-fixture.js';

const hostile = [
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
  JSON.parse('{"spec": {"__proto__": {"polluted": "yes"}, "$deleteFromPrimitiveList/__proto__": ["x"], "$setElementOrder/__proto__": [1]}}'),
];

function assertClean(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(typeof Object.prototype.hasOwnProperty, 'function');
  assert.equal(typeof Object.prototype.toString, 'function');
}

test('patch engines ignore prototype keys', () => {
  const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 1 } };
  for (const patch of hostile) {
    const smp = strategicMerge(live, patch, deploymentSchema, resolve);
    const smpNoSchema = strategicMerge(live, patch, undefined);
    const merged = applyMergePatch(live, patch);
    for (const result of [smp, smpNoSchema, merged]) {
      assert.equal(Object.getPrototypeOf(result), Object.prototype);
      assert.equal((result.spec as Record<string, unknown>).replicas, 1);
    }
    assertClean();
  }
  assert.throws(() => applyJsonPatch(live, [{ op: 'add', path: '/__proto__/polluted', value: 'yes' }]));
  assertClean();
});

test('server-side apply ignores prototype keys in configurations and in stored managedFields', () => {
  const live = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {
      name: 'x',
      managedFields: [{
        manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1',
        fieldsV1: { 'f:__proto__': { 'f:hasOwnProperty': {} }, 'f:constructor': { 'f:prototype': { 'f:toString': {} } }, 'f:spec': { 'f:replicas': {} } },
      }],
    },
    spec: { replicas: 1 },
  };
  for (const config of hostile) {
    apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, ...config }, 'kubectl', { force: true, schema: deploymentSchema, resolve });
    recordUpdate(live, { ...live, ...config }, 'w', 'Update', 'apps/v1', { schema: deploymentSchema, resolve });
    assertClean();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, hpaV1Kind, hpaV1ToV2, hpaV2ToV1,
} from '../../../src/api/kinds/hpa-v1.js';
import { hpaKind } from '../../../src/api/kinds/hpa.js';
import { ApiError } from '../../../src/api/errors.js';
import type { KubeObject } from '../../../src/api/object.js';
import { createCauses, fields, row } from './helpers.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const meta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7', labels: { app: 'web' }, annotations: { note: 'kept' } };

function v1(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: structuredClone(meta), spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec }, ...extra };
}

const cpu50 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };

/** A v2 HPA using every field v1 cannot express, the CPU target last (v1 conversion puts it there). */
const richV2: KubeObject = {
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: structuredClone(meta),
  spec: {
    scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { tier: 'a' } } }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      cpu50,
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
  },
  status: {
    observedGeneration: 3, lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '90Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 72, averageValue: '360m' } } },
      { type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '12' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  },
};

test('v1 → v2: the CPU target becomes a Resource metric; none gives the default 80%', () => {
  const stored = hpaV1ToV2(v1({ minReplicas: 1, targetCPUUtilizationPercentage: 50 }, { status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 } }));
  assert.equal(stored.apiVersion, 'autoscaling/v2');
  assert.deepEqual(stored['spec'], { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [cpu50] });
  assert.deepEqual(stored['status'], { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }] });
  assert.deepEqual(stored.metadata, meta, 'metadata as it was, resourceVersion included');

  const defaulted = hpaV1ToV2(v1({}));
  assert.deepEqual((defaulted['spec'] as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal(defaulted['status'], undefined);
});

test('v2 → v1: v2-only fields travel in the upstream annotations, in v1 metric shapes', () => {
  const served = hpaV2ToV1(richV2);
  assert.equal(served.apiVersion, 'autoscaling/v1');
  assert.deepEqual(served['spec'], { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 50 });
  assert.deepEqual(served['status'], { observedGeneration: 3, lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 72 });
  const annotations = served.metadata.annotations!;
  assert.equal(annotations['note'], 'kept');
  assert.deepEqual(JSON.parse(annotations[METRIC_SPECS_ANNOTATION]!), [
    { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', targetAverageUtilization: 60 } },
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10', selector: { matchLabels: { tier: 'a' } } } },
    { type: 'Object', object: { target: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metricName: 'rps', targetValue: '2k' } },
    { type: 'External', external: { metricName: 'queue', targetAverageValue: '30' } },
  ]);
  assert.deepEqual(JSON.parse(annotations[METRIC_STATUSES_ANNOTATION]!), [
    { type: 'Resource', resource: { name: 'memory', currentAverageValue: '90Mi' } },
    { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 72, currentAverageValue: '360m' } },
    { type: 'External', external: { metricName: 'queue', currentAverageValue: '12' } },
  ]);
  assert.deepEqual(JSON.parse(annotations[CONDITIONS_ANNOTATION]!), (richV2['status'] as { conditions: unknown }).conditions);
  assert.deepEqual(JSON.parse(annotations[BEHAVIOR_ANNOTATION]!), (richV2['spec'] as { behavior: unknown }).behavior);
  // The v1 object is valid against the v1 schema's kind checks and shows the storage kind's table.
  assert.deepEqual(row(hpaV1Kind, served, new Date('2026-01-01T00:10:00Z')), {
    Name: 'web', Reference: 'Deployment/web', Targets: 'memory: 90Mi/100Mi, cpu: <unknown>/60% + 4 more...', MinPods: '2', MaxPods: 9, Replicas: 3, Age: '<unknown>',
  });
});

test('round trips keep every field: v2 → v1 → v2 and v1 → v2 → v1', () => {
  const input = structuredClone(richV2);
  assert.deepEqual(hpaV1ToV2(hpaV2ToV1(richV2)), richV2);
  assert.deepEqual(richV2, input, 'conversion does not change its input');

  const plain = v1({ minReplicas: 1, targetCPUUtilizationPercentage: 50 }, { status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 10 } });
  assert.deepEqual(hpaV2ToV1(hpaV1ToV2(plain)), { ...plain, metadata: { ...plain.metadata, annotations: { note: 'kept', [METRIC_STATUSES_ANNOTATION]: '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":10}}]' } } });
  const served = hpaV2ToV1(richV2);
  assert.deepEqual(hpaV2ToV1(hpaV1ToV2(served)), served);
});

test('as upstream, a CPU utilization target comes back after the other metrics', () => {
  const cpuFirst = structuredClone(richV2);
  const spec = cpuFirst['spec'] as { metrics: unknown[] };
  spec.metrics = [cpu50, ...spec.metrics.slice(0, -1)];
  const back = hpaV1ToV2(hpaV2ToV1(cpuFirst));
  assert.deepEqual((back['spec'] as { metrics: unknown[] }).metrics, (richV2['spec'] as { metrics: unknown[] }).metrics);
});

test('stale round-trip annotations on a stored object are not served; bad ones in a request are a 400', () => {
  const stored = structuredClone(richV2);
  stored.metadata.annotations = { ...meta.annotations, [METRIC_SPECS_ANNOTATION]: '[]', [BEHAVIOR_ANNOTATION]: '{}' };
  delete (stored['spec'] as { behavior?: unknown }).behavior;
  (stored['spec'] as { metrics: unknown[] }).metrics = [cpu50];
  delete stored['status'];
  assert.deepEqual(hpaV2ToV1(stored).metadata.annotations, { note: 'kept' });

  const bad = v1({ targetCPUUtilizationPercentage: 50 });
  bad.metadata.annotations = { [METRIC_SPECS_ANNOTATION]: '{not json' };
  assert.throws(() => hpaV1ToV2(bad), (err: unknown) => err instanceof ApiError && err.code === 400 && err.message.includes(METRIC_SPECS_ANNOTATION));
});

test('the v1 kind: same resource as v2, v1 schema, storage kind rules applied through conversion', () => {
  assert.equal(hpaV1Kind.plural, hpaKind.plural);
  assert.equal(hpaV1Kind.version, 'v1');
  assert.equal(hpaV1Kind.definition, 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler');
  assert.equal(hpaV1Kind.storage?.kind, hpaKind);
  assert.deepEqual(hpaV1Kind.shortNames, ['hpa']);
  assert.deepEqual(fields(createCauses(hpaV1Kind, v1({ maxReplicas: 0, minReplicas: 0 }))), ['spec.minReplicas', 'spec.maxReplicas']);
  const o = v1({});
  hpaV1Kind.applyDefaults(o);
  assert.deepEqual(o['spec'], { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 });
  assert.equal(o.apiVersion, 'autoscaling/v1');
});

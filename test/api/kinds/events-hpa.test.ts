import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import { coreEventKind, coreToEventsV1, eventV1Kind, eventsV1ToCore } from '../../../src/api/kinds/event.js';
import { formatHpaMetrics, hpaKind } from '../../../src/api/kinds/hpa.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T01:00:00Z');

const coreEvent = {
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
  reason: 'Pulled', message: 'Successfully pulled image "nginx"\n', type: 'Normal',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2026-01-01T00:50:00Z', lastTimestamp: '2026-01-01T00:59:00Z', count: 3,
};

test('core events: table, field selectors, namespace check', () => {
  const e = obj('v1', 'Event', coreEvent, { name: 'web-1.abc', creationTimestamp: '2026-01-01T00:50:00Z' });
  assert.deepEqual(createCauses(coreEventKind, e), []);
  assert.deepEqual(row(coreEventKind, e, now), {
    'Last Seen': '60s', Type: 'Normal', Reason: 'Pulled', Object: 'pod/web-1', Subobject: 'spec.containers{web}',
    Source: 'kubelet, n1', Message: 'Successfully pulled image "nginx"', 'First Seen': '10m', Count: 3, Name: 'web-1.abc',
  });
  assert.deepEqual(coreEventKind.table.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  assert.equal(coreEventKind.table.columns.find((c) => c.format === 'name')!.name, 'Name');
  const sel = (f: string) => coreEventKind.fieldSelectors[f]!(e);
  assert.deepEqual(
    ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'source', 'type'].map(sel),
    ['Pod', 'web-1', 'default', 'u1', 'Pulled', 'kubelet', 'Normal'],
  );
  const elsewhere = obj('v1', 'Event', coreEvent, { name: 'e', namespace: 'other' });
  assert.deepEqual(fields(createCauses(coreEventKind, elsewhere)), ['involvedObject.namespace']);
  const nodeEvent = obj('v1', 'Event', { ...coreEvent, involvedObject: { kind: 'Node', name: 'n1' } }, { name: 'n1.1' });
  assert.deepEqual(createCauses(coreEventKind, nodeEvent), [], 'cluster-scoped objects report into default');
  const singleton = obj('v1', 'Event', { ...coreEvent, count: undefined, lastTimestamp: undefined }, { name: 'e2' });
  assert.deepEqual(coreEventKind.table.cells(singleton, now).slice(0, 1).concat(coreEventKind.table.cells(singleton, now).slice(8, 9)), ['10m', 1]);
});

test('events.k8s.io events require the modern fields and print like core events', () => {
  const modern = obj('events.k8s.io/v1', 'Event', {
    eventTime: '2026-01-01T00:59:30.000000Z', regarding: { kind: 'Deployment', namespace: 'default', name: 'web' },
    reason: 'ScalingReplicaSet', note: 'Scaled up replica set web-abc to 3', type: 'Normal', action: 'Scale',
    reportingController: 'deployment-controller', reportingInstance: 'stratus-1',
  }, { name: 'web.1' });
  assert.deepEqual(createCauses(eventV1Kind, modern), []);
  const cells = eventV1Kind.table.cells(modern, now);
  assert.deepEqual(cells.slice(0, 7), ['30s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller, stratus-1', 'Scaled up replica set web-abc to 3']);
  assert.equal(eventV1Kind.fieldSelectors['regarding.name']!(modern), 'web');
  const empty = obj('events.k8s.io/v1', 'Event', { type: 'Odd' }, { name: 'x' });
  assert.deepEqual(fields(createCauses(eventV1Kind, empty)), ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason', 'type']);
  const round = coreToEventsV1(eventsV1ToCore(modern as never));
  assert.equal(round.note, 'Scaled up replica set web-abc to 3');
  assert.equal(round.reportingController, 'deployment-controller');
});

function hpa(spec: Record<string, unknown>, status?: Record<string, unknown>) {
  return obj('autoscaling/v2', 'HorizontalPodAutoscaler', status ? { spec, status } : { spec }, { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' });
}

test('HPA defaults and validation', () => {
  const h = hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 });
  assert.deepEqual(createCauses(hpaKind, h), []);
  const spec = (h as unknown as HorizontalPodAutoscaler).spec!;
  assert.equal(spec.minReplicas, 1);
  assert.deepEqual(spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal(spec.behavior, undefined);
  const withBehavior = hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
  hpaKind.applyDefaults(withBehavior);
  const behavior = (withBehavior as unknown as HorizontalPodAutoscaler).spec!.behavior!;
  assert.equal(behavior.scaleDown!.stabilizationWindowSeconds, 60);
  assert.equal(behavior.scaleUp!.stabilizationWindowSeconds, 0);
  assert.equal(behavior.scaleUp!.policies!.length, 2);
  const upOnly = hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleUp: { selectPolicy: 'Min' } } });
  hpaKind.applyDefaults(upOnly);
  const rules = (upOnly as unknown as HorizontalPodAutoscaler).spec!.behavior!;
  assert.equal(rules.scaleUp!.selectPolicy, 'Min');
  assert.deepEqual(rules.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  const bad = hpa({ scaleTargetRef: { kind: 'Deployment' }, minReplicas: 3, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] });
  assert.deepEqual(fields(createCauses(hpaKind, bad)), ['spec.scaleTargetRef.name', 'spec.maxReplicas', 'spec.metrics[0].resource.target.averageUtilization']);
});

test('HPA table and TARGETS formatting', () => {
  const h = hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
    { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '90m' } } }] });
  assert.deepEqual(row(hpaKind, h, now), { Name: 'web', Reference: 'Deployment/web', Targets: 'cpu: 45%/80%', MinPods: '2', MaxPods: 10, Replicas: 3, Age: '60m' });
  const unknown = hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
  assert.equal(row(hpaKind, unknown, now)['Targets'], 'cpu: <unknown>/50%');
  assert.equal(row(hpaKind, unknown, now)['MinPods'], '<unset>');
  assert.equal(formatHpaMetrics([], []), '<none>');
  assert.equal(formatHpaMetrics([
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
  ], [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '256Mi' } } }]), 'memory: 256Mi/512Mi, <unknown>/1k + 1 more...');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { deploymentKind } from '../../../src/api/kinds/deployment.js';
import { replicaSetKind } from '../../../src/api/kinds/replicaset.js';
import { jobKind } from '../../../src/api/kinds/job.js';
import type { KubeObject } from '../../../src/api/object.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T01:00:00Z');
const created = '2026-01-01T00:58:00Z';
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };

function deployment(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return obj('apps/v1', 'Deployment', status ? { spec, status } : { spec }, { name: 'web', creationTimestamp: created });
}

test('deployment defaults', () => {
  const d = deployment({ selector: { matchLabels: { app: 'web' } }, template });
  assert.deepEqual(createCauses(deploymentKind, d), []);
  const spec = (d as unknown as Deployment).spec!;
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.template.spec!.restartPolicy, 'Always');
  assert.equal(spec.template.spec!.containers[0]!.imagePullPolicy, 'IfNotPresent');
  assert.equal(spec.template.spec!.tolerations, undefined, 'admission tolerations are for pods, not templates');
  assert.equal(spec.template.spec!.serviceAccountName, undefined);
  const recreate = deployment({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'Recreate' } });
  deploymentKind.applyDefaults(recreate);
  assert.deepEqual((recreate as unknown as Deployment).spec!.strategy, { type: 'Recreate' });
  assert.equal(deploymentKind.tracksGeneration, true);
  assert.equal(deploymentKind.hasStatusSubresource, true);
});

test('deployment validation causes', () => {
  const mismatch = deployment({ replicas: -1, selector: { matchLabels: { app: 'api' } }, template });
  const causes = createCauses(deploymentKind, mismatch);
  assert.deepEqual(fields(causes), ['spec.replicas', 'spec.template.metadata.labels']);
  assert.equal(causes[0]!.message, 'Invalid value: -1: must be greater than or equal to 0');
  assert.equal(causes[1]!.message, 'Invalid value: {"app":"web"}: `selector` does not match template `labels`');

  const noImage = deployment({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { containers: [{ name: 'web' }], restartPolicy: 'Never' } } });
  assert.deepEqual(fields(createCauses(deploymentKind, noImage)), ['spec.template.spec.containers[0].image', 'spec.template.spec.restartPolicy']);

  const empty = deployment({ selector: {}, template });
  const emptyCauses = createCauses(deploymentKind, empty);
  assert.deepEqual(fields(emptyCauses), ['spec.selector']);
  assert.match(emptyCauses[0]!.message, /empty selector is invalid for deployment$/);

  const noSelector = deployment({ template });
  assert.deepEqual(fields(createCauses(deploymentKind, noSelector)), ['spec.selector']);

  const zeroZero = deployment({ selector: { matchLabels: { app: 'web' } }, template, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } });
  assert.deepEqual(fields(createCauses(deploymentKind, zeroZero)), ['spec.strategy.rollingUpdate.maxUnavailable']);

  const badPercent = deployment({ selector: { matchLabels: { app: 'web' } }, template, strategy: { rollingUpdate: { maxSurge: '150%', maxUnavailable: 'lots' } } });
  assert.deepEqual(fields(createCauses(deploymentKind, badPercent)), ['spec.strategy.rollingUpdate.maxUnavailable', 'spec.strategy.rollingUpdate.maxSurge']);

  const recreateWithRolling = deployment({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'Recreate', rollingUpdate: {} } });
  assert.deepEqual(fields(createCauses(deploymentKind, recreateWithRolling)), ['spec.strategy.rollingUpdate']);

  const deadline = deployment({ selector: { matchLabels: { app: 'web' } }, template, minReadySeconds: 30, progressDeadlineSeconds: 10 });
  assert.deepEqual(fields(createCauses(deploymentKind, deadline)), ['spec.progressDeadlineSeconds']);
});

test('deployment selector is immutable, replicas and template are not', () => {
  const old = deployment({ selector: { matchLabels: { app: 'web' } }, template });
  deploymentKind.applyDefaults(old);
  const scaled = structuredClone(old) as unknown as Deployment;
  scaled.spec!.replicas = 5;
  scaled.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
  assert.deepEqual(deploymentKind.validate(scaled as unknown as KubeObject, old), []);
  const moved = structuredClone(old) as unknown as Deployment;
  moved.spec!.selector = { matchLabels: { app: 'web', tier: 'x' } };
  moved.spec!.template.metadata!.labels!['tier'] = 'x';
  const causes = deploymentKind.validate(moved as unknown as KubeObject, old);
  assert.deepEqual(fields(causes), ['spec.selector']);
  assert.match(causes[0]!.message, /field is immutable$/);
});

test('deployment table', () => {
  const d = deployment({ replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 });
  assert.deepEqual(row(deploymentKind, d, now), {
    Name: 'web', Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '2m', Containers: 'web', Images: 'nginx:1.27', Selector: 'app=web',
  });
  const fresh = deployment({ replicas: 1, selector: { matchLabels: { app: 'web' } }, template });
  assert.deepEqual(deploymentKind.table.cells(fresh, now).slice(1, 4), ['0/1', 0, 0]);
});

test('replicaset defaults, validation and table', () => {
  const rs = obj('apps/v1', 'ReplicaSet', { spec: { selector: { matchLabels: { app: 'web' } }, template } }, { name: 'web-abc', creationTimestamp: created });
  assert.deepEqual(createCauses(replicaSetKind, rs), []);
  assert.equal((rs as unknown as ReplicaSet).spec!.replicas, 1);
  (rs as unknown as { status: unknown }).status = { replicas: 1, readyReplicas: 1 };
  assert.equal(replicaSetKind.fieldSelectors['status.replicas']!(rs), '1');
  assert.deepEqual(row(replicaSetKind, rs, now), {
    Name: 'web-abc', Desired: 1, Current: 1, Ready: 1, Age: '2m', Containers: 'web', Images: 'nginx:1.27', Selector: 'app=web',
  });
  const bad = obj('apps/v1', 'ReplicaSet', { spec: { replicas: -2, selector: { matchLabels: { app: 'x' } }, template } });
  assert.deepEqual(fields(createCauses(replicaSetKind, bad)), ['spec.replicas', 'spec.template.metadata.labels']);
  const moved = structuredClone(rs) as unknown as ReplicaSet;
  moved.spec!.selector = { matchLabels: { app: 'other' } };
  assert.ok(fields(replicaSetKind.validate(moved as unknown as KubeObject, rs)).includes('spec.selector'));
});

function job(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return obj('batch/v1', 'Job', { spec }, { name: 'pi', uid: 'uid-1', creationTimestamp: created, ...meta });
}
const jobTemplate = { spec: { containers: [{ name: 'pi', image: 'perl:5' }], restartPolicy: 'Never' } };

test('job defaults generate the selector and labels from the uid', () => {
  const j = job({ template: jobTemplate });
  assert.deepEqual(createCauses(jobKind, j), []);
  const spec = (j as unknown as Job).spec!;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
  assert.deepEqual(spec.template.metadata!.labels, {
    'batch.kubernetes.io/controller-uid': 'uid-1', 'controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi',
  });
  assert.deepEqual(j.metadata.labels, spec.template.metadata!.labels);

  const parallel = job({ parallelism: 3, template: jobTemplate });
  jobKind.applyDefaults(parallel);
  assert.equal((parallel as unknown as Job).spec!.completions, undefined, 'work-queue jobs keep completions unset');

  const noUid = job({ template: jobTemplate }, { uid: undefined });
  jobKind.applyDefaults(noUid);
  assert.ok(noUid.metadata.uid, 'a uid is assigned when the server has not yet');
});

test('job validation', () => {
  const always = job({ template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } });
  const causes = createCauses(jobKind, always);
  assert.deepEqual(fields(causes), ['spec.template.spec.restartPolicy']);
  assert.equal(causes[0]!.message, 'Unsupported value: "Always": supported values: "OnFailure", "Never"');

  const negative = job({ parallelism: -1, backoffLimit: -1, activeDeadlineSeconds: 0, template: jobTemplate });
  assert.deepEqual(fields(createCauses(jobKind, negative)), ['spec.parallelism', 'spec.backoffLimit', 'spec.activeDeadlineSeconds']);

  const manual = job({ manualSelector: true, template: jobTemplate });
  assert.deepEqual(fields(createCauses(jobKind, manual)), ['spec.selector']);

  const old = job({ template: jobTemplate });
  jobKind.applyDefaults(old);
  const changed = structuredClone(old) as unknown as Job;
  changed.spec!.template.spec!.containers[0]!.image = 'perl:6';
  changed.spec!.completions = 3;
  assert.deepEqual(fields(jobKind.validate(changed as unknown as KubeObject, old)), ['spec.completions', 'spec.template']);
  const suspended = structuredClone(old) as unknown as Job;
  suspended.spec!.suspend = true;
  const resumedEdit = structuredClone(suspended);
  resumedEdit.spec!.template.spec!.containers[0]!.image = 'perl:6';
  assert.deepEqual(jobKind.validate(resumedEdit as unknown as KubeObject, suspended as unknown as KubeObject), []);
});

test('job table: status, completions and duration', () => {
  const running = job({ completions: 3, template: jobTemplate });
  (running as unknown as { status: unknown }).status = { succeeded: 1, startTime: '2026-01-01T00:59:00Z' };
  const r = row(jobKind, running, now);
  assert.deepEqual([r['Status'], r['Completions'], r['Duration'], r['Age']], ['Running', '1/3', '60s', '2m']);
  assert.equal(jobKind.fieldSelectors['status.successful']!(running), '1');

  const done = job({ completions: 1, template: jobTemplate });
  (done as unknown as { status: unknown }).status = {
    succeeded: 1, startTime: '2026-01-01T00:58:00Z', completionTime: '2026-01-01T00:58:07Z',
    conditions: [{ type: 'Complete', status: 'True' }],
  };
  assert.deepEqual(jobKind.table.cells(done, now).slice(1, 4), ['Complete', '1/1', '7s']);

  const queue = job({ parallelism: 4, template: jobTemplate });
  assert.deepEqual(jobKind.table.cells(queue, now).slice(1, 4), ['Running', '0/1 of 4', '']);

  const failed = job({ completions: 1, template: jobTemplate });
  (failed as unknown as { status: unknown }).status = { conditions: [{ type: 'Failed', status: 'True' }] };
  assert.equal(row(jobKind, failed, now)['Status'], 'Failed');
  const suspended = job({ completions: 1, template: jobTemplate });
  (suspended as unknown as { status: unknown }).status = { conditions: [{ type: 'Suspended', status: 'True' }] };
  assert.equal(row(jobKind, suspended, now)['Status'], 'Suspended');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/api/errors.js';
import { checkAgainstSchema, fieldValidationOutcome, parseFieldValidation, validateAgainst, validateObject } from '../../../src/api/schema/validate.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const POD = 'io.k8s.api.core.v1.Pod';

function deployment(patch: (d: Record<string, any>) => void = () => {}): Record<string, unknown> {
  const d: Record<string, any> = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{
            name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '1.5Gi' } },
            readinessProbe: { httpGet: { port: 'http', path: '/' } },
          }],
        },
      },
    },
  };
  patch(d);
  return d;
}

test('a valid object passes untouched and is returned as is', () => {
  const input = deployment();
  const result = validateObject(DEPLOYMENT, input);
  assert.deepEqual(result.causes, []);
  assert.deepEqual(result.decodeErrors, []);
  assert.deepEqual(result.unknownFields, []);
  assert.equal(result.pruned, input);
});

test('wrong JSON types are decode errors (400) with Kubernetes paths and Go-style messages', () => {
  const result = validateObject(DEPLOYMENT, deployment((d) => {
    d.spec.replicas = '3';
    d.spec.template.spec.containers[0].image = 5;
    d.spec.paused = 'yes';
    d.metadata.labels = { app: 7 };
    d.spec.template.spec.containers[0].ports = { containerPort: 80 };
  }));
  const byField = Object.fromEntries(result.decodeErrors.map((e) => [e.field, e.message]));
  assert.equal(byField['spec.replicas'], 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(byField['spec.template.spec.containers[0].image'],
    'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string');
  assert.match(byField['spec.paused'] ?? '', /of type bool$/);
  assert.match(byField['metadata.labels.app'] ?? '', /cannot unmarshal number .* of type string/);
  assert.match(byField['spec.template.spec.containers[0].ports'] ?? '', /cannot unmarshal object .* of type \[\]v1\.ContainerPort/);
  assert.equal(result.decodeErrors.length, 5);
});

test('integers: fractions and out-of-range int32 values are rejected, int64 fields take large values', () => {
  const bad = validateObject(DEPLOYMENT, deployment((d) => { d.spec.replicas = 1.5; d.spec.minReadySeconds = 2 ** 31; }));
  assert.deepEqual(bad.decodeErrors.map((e) => e.field).sort(), ['spec.minReadySeconds', 'spec.replicas']);
  assert.match(bad.decodeErrors.find((e) => e.field === 'spec.replicas')?.message ?? '', /cannot unmarshal number 1\.5/);
  const ok = validateObject(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }], terminationGracePeriodSeconds: 2 ** 40 } });
  assert.deepEqual(ok.decodeErrors, []);
});

test('int-or-string accepts integers and strings only', () => {
  const ok = validateObject(DEPLOYMENT, deployment((d) => { d.spec.strategy.rollingUpdate = { maxSurge: 3, maxUnavailable: '10%' }; }));
  assert.deepEqual(ok.decodeErrors, []);
  const bad = validateObject(DEPLOYMENT, deployment((d) => { d.spec.strategy.rollingUpdate = { maxSurge: true, maxUnavailable: 0.5 }; }));
  assert.deepEqual(bad.decodeErrors.map((e) => e.field).sort(), ['spec.strategy.rollingUpdate.maxSurge', 'spec.strategy.rollingUpdate.maxUnavailable']);
  assert.match(bad.decodeErrors[0]?.message ?? '', /Go struct field RollingUpdateDeployment\.spec\.strategy\.rollingUpdate\.max\w+ of type intstr\.IntOrString/);
});

test('quantities accept numbers and well-formed strings', () => {
  const ok = validateObject(POD, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '128974848', 'nvidia.com/gpu': 1 }, requests: { cpu: 0.5, memory: '129e6', storage: '1Ki' } } }] },
  });
  assert.deepEqual(ok.decodeErrors, []);
  const bad = validateObject(POD, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', resources: { limits: { cpu: 'lots', memory: true } } }] },
  });
  const fields = bad.decodeErrors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['spec.containers[0].resources.limits.cpu', 'spec.containers[0].resources.limits.memory']);
  assert.match(bad.decodeErrors.find((e) => e.field.endsWith('cpu'))?.message ?? '', /quantities must match the regular expression/);
});

test('times must be RFC 3339', () => {
  const meta = (t: unknown) => validateObject(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: t }, spec: { containers: [{ name: 'c' }] } });
  assert.deepEqual(meta('2026-11-25T14:00:00Z').decodeErrors, []);
  assert.deepEqual(meta('2026-11-25T14:00:00.123456+01:00').decodeErrors, []);
  assert.equal(meta('yesterday').decodeErrors[0]?.field, 'metadata.creationTimestamp');
  assert.equal(meta(12).decodeErrors.length, 1);
});

test('unknown fields are reported with their paths and pruned; shared subtrees are not copied', () => {
  const input = deployment((d) => {
    d.spec.replicass = 3;
    d.spec.template.spec.containers[0].imagee = 'x';
    d.metadata.bogus = { a: 1 };
    d.topLevel = true;
  });
  const result = validateObject(DEPLOYMENT, input);
  assert.deepEqual([...result.unknownFields].sort(), ['metadata.bogus', 'spec.replicass', 'spec.template.spec.containers[0].imagee', 'topLevel']);
  const pruned = result.pruned as Record<string, any>;
  assert.equal(pruned['topLevel'], undefined);
  assert.equal(pruned['spec'].replicass, undefined);
  assert.equal(pruned['spec'].template.spec.containers[0].imagee, undefined);
  assert.equal(pruned['spec'].template.spec.containers[0].image, 'nginx:1.27');
  assert.equal(pruned['spec'].selector, (input as Record<string, any>)['spec'].selector, 'untouched subtree is shared');
  assert.equal((input as Record<string, any>)['spec'].replicass, 3, 'the input is not modified');
  assert.deepEqual(validateObject(DEPLOYMENT, input, { fieldValidation: 'Ignore' }).unknownFields, []);
  assert.equal((validateObject(DEPLOYMENT, input, { fieldValidation: 'Ignore' }).pruned as Record<string, any>)['topLevel'], undefined);
});

test('null fields are dropped as Kubernetes decodes them; preserve-unknown-fields subtrees are kept', () => {
  const result = validateObject(DEPLOYMENT, deployment((d) => { d.spec.paused = null; d.metadata.annotations = null; }));
  assert.deepEqual(result.decodeErrors, []);
  assert.ok(!('paused' in (result.pruned as Record<string, any>)['spec']));
  assert.ok(!('annotations' in result.pruned.metadata));
  const revision = validateObject('io.k8s.api.apps.v1.ControllerRevision', {
    apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { anything: { goes: [1, 'x'] } },
  });
  assert.deepEqual(revision.unknownFields, []);
  assert.deepEqual((revision.pruned as Record<string, any>)['data'], { anything: { goes: [1, 'x'] } });
});

test('missing required fields are 422 causes with paths (not under status unless asked)', () => {
  const result = validateObject(DEPLOYMENT, deployment((d) => {
    d.spec.template.spec.containers.push({ image: 'busybox' });
    d.spec.template.spec.containers[0].ports = [{ protocol: 'TCP' }];
    delete d.spec.selector;
    d.status = { conditions: [{ reason: 'x' }] };
  }));
  // Document order: a struct reports its own missing fields after walking its children.
  assert.deepEqual(result.causes, [
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].ports[0].containerPort' },
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[1].name' },
    { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
  ]);
  const withStatus = validateObject(DEPLOYMENT, deployment((d) => { d.status = { conditions: [{ reason: 'x' }] }; }), { requiredInStatus: true });
  assert.deepEqual(withStatus.causes.map((c) => c.field), ['status.conditions[0].status', 'status.conditions[0].type']);
});

test('a body that is not an object is a decode error', () => {
  const result = validateObject(POD, [1, 2]);
  assert.equal(result.decodeErrors.length, 1);
  assert.deepEqual(result.pruned, {});
});

test('fieldValidationOutcome: decode errors and Strict unknown fields are 400s; Warn gives warnings', () => {
  const unknown = validateObject(DEPLOYMENT, deployment((d) => { d.spec.replicass = 1; }));
  const strict = fieldValidationOutcome(unknown, 'Deployment', 'v1', 'Strict');
  assert.equal(strict.error?.code, 400);
  assert.equal(strict.error?.reason, 'BadRequest');
  assert.equal(strict.error?.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass"');
  assert.deepEqual(fieldValidationOutcome(unknown, 'Deployment', 'v1', 'Warn'), { warnings: ['unknown field "spec.replicass"'] });
  assert.deepEqual(fieldValidationOutcome(unknown, 'Deployment', 'v1', 'Ignore'), { warnings: [] });
  const typed = validateObject(DEPLOYMENT, deployment((d) => { d.spec.replicas = 'two'; }));
  assert.match(fieldValidationOutcome(typed, 'Deployment', 'v1', 'Ignore').error?.message ?? '',
    /^Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
  assert.equal(parseFieldValidation(undefined), 'Warn');
  assert.equal(parseFieldValidation('Strict'), 'Strict');
  assert.equal(parseFieldValidation('strict'), undefined);
});

test('validateAgainst checks a value against any schema node', () => {
  const result = validateAgainst({ $ref: '#/definitions/io.k8s.api.core.v1.Container' }, { image: 3 });
  assert.deepEqual(result.causes.map((c) => c.field), ['name']);
  assert.deepEqual(result.decodeErrors.map((e) => e.field), ['image']);
});

test('validation of a typical pod costs well under 100 µs', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', labels: { app: 'x', tier: 'web' }, annotations: { a: 'b' } },
    spec: {
      containers: [{
        name: 'c', image: 'busybox:1', command: ['sh', '-c', 'sleep 3600'], env: [{ name: 'A', value: 'b' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        ports: [{ containerPort: 8080, protocol: 'TCP' }], volumeMounts: [{ name: 'v', mountPath: '/data' }],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
      }],
      volumes: [{ name: 'v', emptyDir: {} }], restartPolicy: 'Always', nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
  for (let i = 0; i < 200; i++) validateObject(POD, pod);
  const runs = 5000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) validateObject(POD, pod);
  const microseconds = Number(process.hrtime.bigint() - start) / 1000 / runs;
  assert.ok(microseconds < 50, `validation took ${microseconds.toFixed(1)} µs per pod`);
});

test('checkAgainstSchema throws the 400 and returns pruned object, warnings and causes', () => {
  const kind = { definition: DEPLOYMENT, kind: 'Deployment', version: 'v1' };
  const typo = deployment((d) => { d.spec.replicass = 1; delete d.spec.selector; });
  assert.throws(() => checkAgainstSchema(kind, typo, 'Strict'), (e: unknown) => e instanceof ApiError && e.code === 400 && /strict decoding error/.test(e.message));
  const warned = checkAgainstSchema(kind, typo);
  assert.deepEqual(warned.warnings, ['unknown field "spec.replicass"']);
  assert.deepEqual(warned.causes.map((c) => c.field), ['spec.selector']);
  assert.equal((warned.object as Record<string, any>)['spec'].replicass, undefined);
  assert.throws(() => checkAgainstSchema(kind, deployment((d) => { d.spec.replicas = []; }), 'Ignore'), (e: unknown) => e instanceof ApiError && e.code === 400);
});

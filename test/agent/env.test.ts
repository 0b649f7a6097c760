import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { expandVars, resolveArgs, resolveEnv, resourceFieldValue } from '../../src/agent/env.js';
import type { ObjectSource } from '../../src/agent/object-source.js';
import { ContainerConfigError } from '../../src/agent/object-source.js';

const objects: ObjectSource = {
  async configMap(_ns, name) {
    return name === 'cm' ? ({ data: { A: 'from-cm', 'bad key': 'x', B: 'b' } } as ConfigMap) : undefined;
  },
  async secret(_ns, name) {
    return name === 's' ? ({ data: { PASS: Buffer.from('pw').toString('base64') } } as Secret) : undefined;
  },
};
const ctx = { podIP: '10.244.1.2', hostIP: '10.0.0.1', nodeName: 'n1', nodeCpuMilli: 2000, nodeMemoryBytes: 4 * 1024 ** 3 };
const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'x' } }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] } };

test('env: image env, envFrom with prefix, env with valueFrom and $(VAR) expansion, later wins', async () => {
  const env = await resolveEnv(pod, {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cm' } }, { prefix: 'S_', secretRef: { name: 's' } }, { configMapRef: { name: 'missing', optional: true } }],
    env: [
      { name: 'PATH', value: '/custom' },
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'URL', value: 'http://$(IP):80/$(NOPE)/$$(IP)' },
      { name: 'A', value: 'override' },
    ],
  }, ['PATH=/usr/bin', 'HOME=/root'], objects, ctx);
  assert.deepEqual(env, [
    'HOME=/root', 'A=override', 'B=b', 'S_PASS=pw', 'PATH=/custom', 'NAME=p', 'IP=10.244.1.2', 'NODE=n1', 'APP=x',
    'URL=http://10.244.1.2:80/$(NOPE)/$(IP)',
  ]);
});

test('env: missing configmap key or secret is a CreateContainerConfigError; optional ones are skipped', async () => {
  await assert.rejects(resolveEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }] }, [], objects, ctx),
    (err: ContainerConfigError) => err.reason === 'CreateContainerConfigError' && /couldn't find key nope in ConfigMap ns\/cm/.test(err.message));
  await assert.rejects(resolveEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, [], objects, ctx), /secret "gone" not found/);
  assert.deepEqual(await resolveEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } }] }, [], objects, ctx), []);
});

test('resourceFieldRef rounds up in divisor units and falls back to node allocatable', () => {
  const c = { name: 'c', resources: { limits: { cpu: '250m', memory: '64Mi' } } };
  assert.equal(resourceFieldValue(c, 'limits.cpu', undefined, ctx), '1');
  assert.equal(resourceFieldValue(c, 'limits.cpu', '1m', ctx), '250');
  assert.equal(resourceFieldValue(c, 'limits.memory', '1Mi', ctx), '64');
  assert.equal(resourceFieldValue({ name: 'x' }, 'limits.cpu', undefined, ctx), '2');
});

test('command/args against entrypoint/cmd', () => {
  const image = { entrypoint: ['/entry'], cmd: ['--default'] };
  assert.deepEqual(resolveArgs({ name: 'c' }, image, []), ['/entry', '--default']);
  assert.deepEqual(resolveArgs({ name: 'c', args: ['--x=$(V)'] }, image, ['V=1']), ['/entry', '--x=1']);
  assert.deepEqual(resolveArgs({ name: 'c', command: ['/bin/sh'] }, image, []), ['/bin/sh']);
  assert.deepEqual(resolveArgs({ name: 'c', command: ['/bin/sh'], args: ['-c', 'echo'] }, image, []), ['/bin/sh', '-c', 'echo']);
  assert.equal(expandVars('$$$(A)', new Map([['A', 'a']])), '$a');
});

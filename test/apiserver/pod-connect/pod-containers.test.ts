import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/api/object.js';
import { agentLocationOf, agentError } from '../../../src/apiserver/pod-connect/node-transport.js';
import { checkLogsReadable, pickContainer } from '../../../src/apiserver/pod-connect/pod-containers.js';

function pod(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', ...spec }, status } as KubeObject;
}

describe('which container a log/exec request means', () => {
  test('the only container, or the named one (init containers too)', () => {
    assert.equal(pickContainer(pod({ containers: [{ name: 'a' }] }), undefined), 'a');
    const two = pod({ containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'i' }] });
    assert.equal(pickContainer(two, 'b'), 'b');
    assert.equal(pickContainer(two, 'i'), 'i');
  });

  test('several containers and no name: the message lists them, init containers separately', () => {
    assert.throws(() => pickContainer(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), undefined),
      { code: 400, message: 'a container name must be specified for pod p, choose one of: [a b]' });
    assert.throws(() => pickContainer(pod({ containers: [{ name: 'a' }, { name: 'b' }], initContainers: [{ name: 'i' }] }), undefined),
      { message: 'a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]' });
    assert.throws(() => pickContainer(pod({ containers: [{ name: 'a' }] }), 'z'), { code: 400, message: 'container z is not valid for pod p' });
  });
});

describe('whether logs can be read (kubelet validateContainerLogStatus)', () => {
  const running = { name: 'a', state: { running: {} }, containerID: 'stratus://1' };
  const spec = { containers: [{ name: 'a' }] };

  test('running, terminated, restarted', () => {
    checkLogsReadable(pod(spec, { containerStatuses: [running] }), 'a', false);
    checkLogsReadable(pod(spec, { containerStatuses: [{ name: 'a', state: { terminated: { containerID: 'stratus://1', exitCode: 0 } } }] }), 'a', false);
    const restarted = { ...running, lastState: { terminated: { containerID: 'stratus://0', exitCode: 1 } } };
    checkLogsReadable(pod(spec, { containerStatuses: [restarted] }), 'a', true);
    // Waiting in back-off after a crash still has the last instance's logs.
    checkLogsReadable(pod(spec, { containerStatuses: [{ name: 'a', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: restarted.lastState }] }), 'a', false);
  });

  test('not started yet: 400 "waiting to start" with the reason', () => {
    assert.throws(() => checkLogsReadable(pod(spec), 'a', false), { code: 400, reason: 'BadRequest', message: 'container "a" in pod "p" is waiting to start: ContainerCreating' });
    assert.throws(() => checkLogsReadable(pod({ ...spec, nodeName: undefined }, { containerStatuses: [running] }), 'a', false), /waiting to start: ContainerCreating/);
    assert.throws(() => checkLogsReadable(pod(spec, { containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ErrImagePull' } } }] }), 'a', false), /waiting to start: image can't be pulled/);
    assert.throws(() => checkLogsReadable(pod(spec, { containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), 'a', false), /trying and failing to pull image/);
  });

  test('--previous without a previous instance: 400', () => {
    assert.throws(() => checkLogsReadable(pod(spec, { containerStatuses: [running] }), 'a', true), { code: 400, message: 'previous terminated container "a" in pod "p" not found' });
    assert.throws(() => checkLogsReadable(pod(spec), 'a', true), /previous terminated container/);
  });
});

describe('where a node agent is', () => {
  const node = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status } as KubeObject);

  test('InternalIP first, then Hostname; the kubelet endpoint port', () => {
    const addresses = [{ type: 'Hostname', address: 'n1.local' }, { type: 'InternalIP', address: '10.0.0.5' }];
    assert.deepEqual(agentLocationOf(node({ addresses, daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } })), { nodeName: 'n1', host: '10.0.0.5', port: 10250 });
    assert.equal(agentLocationOf(node({ addresses: [addresses[0]], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } })).host, 'n1.local');
  });

  test('no port (hollow nodes) or no address: 503 saying why', () => {
    assert.throws(() => agentLocationOf(node({ addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 0 } } })),
      { code: 503, message: /serves no agent endpoint/ });
    assert.throws(() => agentLocationOf(node({ daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } })), { code: 503, message: /no address/ });
  });

  test('an agent refusal keeps its Status; plain text becomes one', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'nope', reason: 'BadRequest', code: 400 };
    assert.deepEqual(agentError(400, JSON.stringify(status)).toStatus(), status);
    const plain = agentError(404, 'missing\n');
    assert.equal(plain.code, 404);
    assert.equal(plain.message, 'missing');
  });
});

/**
 * A real one-node setup for logs/exec/top tests while the agent's pod workers are elsewhere: real runc containers
 * (busybox rootfs), the real agent endpoint, and the Node and Pod objects an agent would write — containers carry
 * the agent's labels (container-labels.ts) and pod status names their runtime container IDs, exactly as the agent
 * reports them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  CONTAINER_ID_SCHEME, LABEL_ATTEMPT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, containerIdFor,
} from '../../../src/agent/container-labels.js';
import { startAgentServer, type AgentServer } from '../../../src/agent/server/agent-server.js';
import type { ApiClient } from '../../../src/client/api-client.js';
import { NODES, PODS } from '../../../src/client/resources.js';
import { makeRuntimeFixture, type RuntimeFixture } from '../../runtime/runtime-fixture.js';

export interface FixtureContainer {
  name: string;
  args: string[];
  cpuLimitMilli?: number;
}

export interface NodeFixture {
  nodeName: string;
  runtime: RuntimeFixture;
  agent: AgentServer;
  /** Creates the Pod on this node, runs its containers (attempt 0) and reports it Running. */
  runPod(name: string, containers: FixtureContainer[], namespace?: string): Promise<Pod>;
  /** Runs a new attempt of one container after the current one exited, and reports the restart in pod status. */
  restartContainer(pod: Pod, container: FixtureContainer): Promise<Pod>;
  /** Runtime id of a pod container's attempt. */
  containerId(pod: Pod, container: string, attempt?: number): string;
  close(): Promise<void>;
}

export async function startNodeFixture(client: ApiClient, caPath: string, nodeName = 'node-1'): Promise<NodeFixture> {
  const runtime = makeRuntimeFixture('agent-server');
  const agent = await startAgentServer({
    nodeName, runtime: runtime.runtime, clientCa: readFileSync(caPath, 'utf8'), host: '127.0.0.1', port: 0, sampleIntervalMs: 2_000,
  });
  await client.create(NODES, {
    metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } },
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: agent.port } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  });
  const attempts = new Map<string, number>();

  const containerId = (pod: Pod, container: string, attempt = attempts.get(`${pod.metadata!.uid}/${container}`) ?? 0) =>
    containerIdFor(pod.metadata!.uid!, container, attempt);

  async function start(pod: Pod, c: FixtureContainer, attempt: number): Promise<string> {
    const id = containerIdFor(pod.metadata!.uid!, c.name, attempt);
    const config = runtime.config(c.args, {
      labels: {
        [LABEL_POD_UID]: pod.metadata!.uid!, [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!, [LABEL_POD_NAME]: pod.metadata!.name!,
        [LABEL_CONTAINER_NAME]: c.name, [LABEL_CONTAINER_KIND]: 'app', [LABEL_ATTEMPT]: String(attempt),
      },
      ...(c.cpuLimitMilli ? { resources: { cpuLimitMilli: c.cpuLimitMilli } } : {}),
    });
    await runtime.runtime.run(id, config, { logPath: join(runtime.dir, 'logs', `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`, c.name, `${attempt}.log`) });
    attempts.set(`${pod.metadata!.uid}/${c.name}`, attempt);
    return id;
  }

  async function writeStatus(pod: Pod, statuses: NonNullable<Pod['status']>['containerStatuses']): Promise<Pod> {
    const fresh = await client.get(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace });
    return client.updateStatus(PODS, { ...fresh, status: { ...fresh.status, phase: 'Running', hostIP: '127.0.0.1', podIP: '10.244.0.10', containerStatuses: statuses } });
  }

  return {
    nodeName, runtime, agent, containerId,
    async runPod(name, containers, namespace = 'default') {
      const pod = await client.create(PODS, {
        metadata: { name, namespace, labels: { app: name } },
        spec: { nodeName, containers: containers.map((c) => ({ name: c.name, image: 'busybox:fixture' })) },
      });
      const statuses = [];
      for (const c of containers) {
        const id = await start(pod, c, 0);
        statuses.push({
          name: c.name, image: 'busybox:fixture', imageID: 'sha256:fixture', ready: true, restartCount: 0, started: true,
          containerID: `${CONTAINER_ID_SCHEME}${id}`, state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
        });
      }
      return writeStatus(pod, statuses);
    },
    async restartContainer(pod, c) {
      const key = `${pod.metadata!.uid}/${c.name}`;
      const previous = attempts.get(key) ?? 0;
      const oldId = containerIdFor(pod.metadata!.uid!, c.name, previous);
      const exited = await runtime.runtime.waitExit(oldId, 10_000);
      const id = await start(pod, c, previous + 1);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const fresh = await client.get(PODS, pod.metadata!.name!, { namespace: pod.metadata!.namespace });
      const statuses = (fresh.status?.containerStatuses ?? []).map((s) => s.name !== c.name ? s : {
        ...s, restartCount: previous + 1, containerID: `${CONTAINER_ID_SCHEME}${id}`, state: { running: { startedAt: now } },
        lastState: { terminated: { exitCode: exited.exitCode ?? 0, reason: exited.exitCode ? 'Error' : 'Completed', startedAt: now, finishedAt: now, containerID: `${CONTAINER_ID_SCHEME}${oldId}` } },
      });
      return writeStatus(fresh, statuses);
    },
    async close() {
      await agent.close();
      await runtime.cleanup();
    },
  };
}

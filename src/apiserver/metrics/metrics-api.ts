/**
 * The metrics.k8s.io/v1beta1 group (what metrics-server serves, built in here): `pods` (PodMetrics, namespaced)
 * and `nodes` (NodeMetrics), verbs get and list, with label and field selectors. Usage comes from the node agents'
 * /stats/summary, so `kubectl top pods|nodes` and autoscalers see live cgroup numbers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceKind } from '../../api/types.js';
import type { ServerContext } from '../context.js';
import { listObjects } from '../list.js';
import type { NodeTransport } from '../pod-connect/node-transport.js';
import { nodeNameOf } from '../pod-connect/pod-containers.js';
import { parseSelection } from '../selection.js';
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION, nodeMetrics, podMetrics, type NodeMetrics, type PodMetrics } from './metrics-objects.js';
import { UsageCache } from './usage-cache.js';

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
] as const;
const VERBS = ['get', 'list'];

/** Adds the group to an APIGroupList (/apis). */
export function withMetricsGroup(groupList: Record<string, unknown>): Record<string, unknown> {
  const groups = Array.isArray(groupList['groups']) ? groupList['groups'] : [];
  const gv = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };
  return { ...groupList, groups: [...groups, { name: METRICS_GROUP, versions: [gv], preferredVersion: gv }] };
}

/** Adds the group to an aggregated discovery document for /apis. */
export function withMetricsDiscovery(doc: Record<string, unknown>): Record<string, unknown> {
  const items = Array.isArray(doc['items']) ? doc['items'] : [];
  const item = {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [{
      version: METRICS_VERSION,
      resources: RESOURCES.map((r) => ({
        resource: r.name,
        responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: '',
        verbs: VERBS,
      })),
      freshness: 'Current',
    }],
  };
  return { ...doc, items: [...items, item] };
}

export function metricsResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: METRICS_API_VERSION,
    resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })),
  };
}

type Query = Record<string, string | string[] | undefined>;
const first = (q: Query, k: string): string | undefined => (Array.isArray(q[k]) ? (q[k] as string[])[0] : (q[k] as string | undefined));

function json(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.code(200).type('application/json').send(JSON.stringify(value));
}

export interface MetricsApiOptions {
  ctx: ServerContext;
  transport: NodeTransport;
  logger: Logger;
  /** How long a node's summary is reused (default 5 s). */
  cacheMs?: number;
}

export function mountMetricsApi<L extends FastifyBaseLogger>(app: FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, L>, options: MetricsApiOptions): void {
  const { ctx } = options;
  const cache = new UsageCache(options.transport, options.logger, options.cacheMs);
  const kind = (plural: string): ResourceKind => {
    const k = ctx.kinds.byResource('', 'v1', plural);
    if (!k) throw errors.internal(`${plural} are not registered`);
    return k;
  };
  const nodesByName = async (): Promise<Map<string, KubeObject>> => {
    const nodes = await listObjects(ctx, kind('nodes'), { selection: parseSelection(kind('nodes'), undefined, undefined) });
    return new Map(nodes.items.map((n) => [n.metadata.name ?? '', n]));
  };

  const podMetricsFor = async (pods: KubeObject[]): Promise<PodMetrics[]> => {
    const nodes = await nodesByName();
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const node = nodeNameOf(pod);
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    const out: PodMetrics[] = [];
    await Promise.all([...byNode].map(async ([nodeName, podsOnNode]) => {
      const node = nodes.get(nodeName);
      const summary = node ? await cache.summary(node) : undefined;
      if (!summary) return;
      for (const pod of podsOnNode) {
        const usage = summary.pods.find((p) => p.podRef.uid === pod.metadata.uid)
          ?? summary.pods.find((p) => !p.podRef.uid && p.podRef.namespace === pod.metadata.namespace && p.podRef.name === pod.metadata.name);
        const metrics = usage && podMetrics(pod, usage);
        if (metrics) out.push(metrics);
      }
    }));
    return out.sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
  };

  const nodeMetricsFor = async (nodes: KubeObject[]): Promise<NodeMetrics[]> => {
    const all = await Promise.all(nodes.map(async (node) => {
      const summary = await cache.summary(node);
      return summary ? nodeMetrics(node, summary.node.cpu, summary.node.memory) : undefined;
    }));
    return all.filter((m): m is NodeMetrics => m !== undefined).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };

  const listPods = async (request: FastifyRequest, reply: FastifyReply, namespace: string | undefined) => {
    const q = request.query as Query;
    const selection = parseSelection(kind('pods'), first(q, 'labelSelector'), first(q, 'fieldSelector'));
    const pods = await listObjects(ctx, kind('pods'), { namespace, selection });
    return json(reply, { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items: await podMetricsFor(pods.items) });
  };

  const base = `/apis/${METRICS_GROUP}/${METRICS_VERSION}`;
  app.get(`/apis/${METRICS_GROUP}`, async (_req, reply) => {
    const gv = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };
    return json(reply, { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [gv], preferredVersion: gv });
  });
  app.get(base, async (_req, reply) => json(reply, metricsResourceList()));
  app.get(`${base}/pods`, async (request, reply) => listPods(request, reply, undefined));
  app.get<{ Params: { namespace: string } }>(`${base}/namespaces/:namespace/pods`, async (request, reply) => listPods(request, reply, request.params.namespace));
  app.get<{ Params: { namespace: string; name: string } }>(`${base}/namespaces/:namespace/pods/:name`, async (request, reply) => {
    const { namespace, name } = request.params;
    const notFound = errors.notFound(METRICS_GROUP, 'podmetrics', `${namespace}/${name}`);
    const pods = await listObjects(ctx, kind('pods'), { namespace, selection: parseSelection(kind('pods'), undefined, `metadata.name=${name}`) });
    const [metrics] = await podMetricsFor(pods.items);
    if (!metrics) throw notFound;
    return json(reply, metrics);
  });
  app.get(`${base}/nodes`, async (request, reply) => {
    const q = request.query as Query;
    const selection = parseSelection(kind('nodes'), first(q, 'labelSelector'), first(q, 'fieldSelector'));
    const nodes = await listObjects(ctx, kind('nodes'), { selection });
    return json(reply, { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items: await nodeMetricsFor(nodes.items) });
  });
  app.get<{ Params: { name: string } }>(`${base}/nodes/:name`, async (request, reply) => {
    const node = (await nodesByName()).get(request.params.name);
    const [metrics] = node ? await nodeMetricsFor([node]) : [];
    if (!metrics) throw errors.notFound(METRICS_GROUP, 'nodemetrics', request.params.name);
    return json(reply, metrics);
  });
  // Writes and other verbs on the group.
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: `${base}/*`,
    handler: async (request) => {
      throw new ApiError(405, 'MethodNotAllowed', `${request.method} is not supported on ${METRICS_GROUP} resources (read-only: get, list)`);
    },
  });
}

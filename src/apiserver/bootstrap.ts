/**
 * What a fresh cluster has before anyone writes: the namespaces default, kube-system, kube-public and
 * kube-node-lease, and the `kubernetes` Service in default on the first service IP. Safe to run on every start.
 */
import { ApiError } from '../api/errors.js';
import type { ClusterIpAllocator } from './admission/cluster-ip-allocator.js';
import type { ServerContext } from './context.js';
import { collectionPrefix, decodeObject } from './object-codec.js';
import type { ResourceStorage } from './resource-storage.js';
import { isObject } from '../api/object.js';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function createIfMissing(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

export async function bootstrapCluster(ctx: ServerContext, storage: ResourceStorage, allocator: ClusterIpAllocator, port: number): Promise<void> {
  const namespaces = ctx.kinds.byResource('', 'v1', 'namespaces');
  if (namespaces) {
    for (const name of SYSTEM_NAMESPACES) {
      if (await ctx.store.get(`/core/namespaces/${name}`)) continue;
      await createIfMissing(() => storage.create(namespaces, undefined, { metadata: { name } }, { dryRun: false, fieldValidation: 'Ignore' }));
    }
  }
  const services = ctx.kinds.byResource('', 'v1', 'services');
  if (services && !(await ctx.store.get('/core/services/default/kubernetes'))) {
    await createIfMissing(() => storage.create(services, 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: allocator.kubernetesServiceIp,
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
        sessionAffinity: 'None',
      },
    }, { dryRun: false, fieldValidation: 'Ignore' }));
  }
}

/** Rebuilds the cluster-IP map from the stored Services. */
export async function loadClusterIps(ctx: ServerContext, allocator: ClusterIpAllocator): Promise<void> {
  const services = ctx.kinds.byResource('', 'v1', 'services');
  if (!services) return;
  const listed = await ctx.store.list(collectionPrefix(services));
  for (const kv of listed.items) {
    const spec = decodeObject(kv)['spec'];
    if (!isObject(spec)) continue;
    const ips = Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'] : [spec['clusterIP']];
    for (const ip of ips) if (typeof ip === 'string') allocator.markUsed(ip);
  }
}

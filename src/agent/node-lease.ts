import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Logger } from 'pino';
import { isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import { LEASES } from '../client/resources.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;

function microTime(now: Date): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Renews a node's Lease in kube-node-lease (kubelet's heartbeat). Creates it on first use and fixes
 * conflicts by re-reading, so a restarted agent simply takes over its lease.
 */
export class NodeLease {
  private current: Lease | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
    private readonly nodeUid: () => string | undefined,
    private readonly logger?: Logger,
  ) {}

  async renew(now = new Date()): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!this.current) this.current = await this.client.get(LEASES, this.nodeName, { namespace: NODE_LEASE_NAMESPACE }).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        if (!this.current) {
          this.current = await this.client.create(LEASES, this.desired(undefined, now), { namespace: NODE_LEASE_NAMESPACE });
        } else {
          this.current = await this.client.update(LEASES, this.desired(this.current, now), { namespace: NODE_LEASE_NAMESPACE });
        }
        return;
      } catch (err) {
        this.current = undefined;
        if (attempt === 2) throw err;
        if (!isConflict(err)) this.logger?.debug({ err }, 'lease renewal failed; retrying');
      }
    }
  }

  private desired(existing: Lease | undefined, now: Date): Lease {
    const uid = this.nodeUid();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid }] } : {}),
      },
      spec: {
        holderIdentity: this.nodeName,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        renewTime: microTime(now),
        ...(existing?.spec?.acquireTime ? { acquireTime: existing.spec.acquireTime } : { acquireTime: microTime(now) }),
      },
    };
  }
}

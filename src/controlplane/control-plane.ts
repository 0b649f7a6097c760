import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { ensurePki } from '../apiserver/pki.js';
import { setDefaultTolerationSeconds } from '../api/kinds/pod.js';
import { startApiServer } from '../apiserver/server.js';
import { ApiClient } from '../client/api-client.js';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { startCompactor } from '../store/compactor.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { startControllerManager, type ControllerManager } from './controller-manager.js';

/** Failover defaults: a dead node's pods are replaced within about 20 + 5 s plus a pod start (Kubernetes: ~5.5 min). */
export const DEFAULT_NODE_MONITOR_GRACE_SECONDS = 20;
export const DEFAULT_TOLERATION_SECONDS = 5;

export interface ControlPlaneOptions {
  /** Holds state.db, pki/ and admin.kubeconfig. */
  dataDir: string;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 6443; 0 picks a free one. */
  port?: number;
  logger?: Logger;
  /** Run the built-in controllers (garbage collector, namespace) and the scheduler; default true. */
  controllers?: boolean;
  /** With controllers on, also run the scheduler; default true. */
  scheduler?: boolean;
  /** A node whose agent has not renewed its Lease for this long becomes Unknown and is tainted; default 20 s. */
  nodeMonitorGracePeriodSeconds?: number;
  /** tolerationSeconds of the not-ready/unreachable NoExecute tolerations added to every pod; default 5 s. */
  defaultTolerationSeconds?: number;
  /** Extra names/addresses for the serving certificate (e.g. the machine's public address). */
  extraSans?: string[];
  /** ClusterIP range for Services; the API server's default when omitted. */
  serviceClusterIpRange?: string;
}

export interface ControlPlane {
  /** The URL clients should use (https://127.0.0.1:PORT when listening on every address). */
  url: string;
  port: number;
  dataDir: string;
  /** Admin kubeconfig written on start. */
  kubeconfigPath: string;
  /** An admin client for in-process components (talks HTTPS to the API server like any other client). */
  client: ApiClient;
  /** The store under the API server (for tests and benchmarks: e.g. compaction); components never use it. */
  store: Store;
  close(): Promise<void>;
}

/**
 * The control plane in one process: SQLite store → API server (HTTPS, bearer tokens) → admin kubeconfig →
 * controllers, which reach the API server only through that kubeconfig.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = options.logger ?? pino({ level: 'info' });
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const closers: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'error during shutdown');
      }
    }
  };

  try {
    const store = await openSqliteStore(join(dataDir, 'state.db'));
    closers.push(() => store.close());
    const compactor = startCompactor(store, { onError: (err) => logger.warn({ err: err.message }, 'compaction failed') });
    closers.push(() => compactor.stop());

    const toleration = options.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS;
    setDefaultTolerationSeconds({ notReady: toleration, unreachable: toleration });

    const pki = await ensurePki(join(dataDir, 'pki'), { hosts: [host, ...(options.extraSans ?? [])] });
    const tokens = new Map([[pki.adminToken, { username: 'admin', groups: ['system:masters', 'system:authenticated'] }]]);
    const server = await startApiServer({
      store, host, port: options.port ?? 6443,
      tls: { cert: pki.servingCertPem, key: pki.servingKeyPem },
      tokens, logger: logger.child({ component: 'apiserver' }),
      serviceClusterIpRange: options.serviceClusterIpRange,
      agentClient: { cert: pki.clientCertPem, key: pki.clientKeyPem },
    });
    closers.push(() => server.close());

    const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const url = `https://${clientHost}:${server.port}`;
    const kubeconfigPath = join(dataDir, 'admin.kubeconfig');
    writeKubeconfig(kubeconfigPath, { server: url, caData: pki.caCertPem, token: pki.adminToken });

    const client = ApiClient.fromKubeconfig(kubeconfigPath, { userAgent: 'stratus-controller-manager' });
    closers.push(() => client.close());
    let manager: ControllerManager | undefined;
    if (options.controllers ?? true) {
      manager = startControllerManager(client, logger.child({ component: 'controller-manager' }), {
        scheduler: options.scheduler,
        nodeMonitorGracePeriodSeconds: options.nodeMonitorGracePeriodSeconds ?? DEFAULT_NODE_MONITOR_GRACE_SECONDS,
      });
      closers.push(() => manager?.stop());
    }
    logger.info({ url, dataDir }, 'control plane ready');
    return { url, port: server.port, dataDir, kubeconfigPath, client, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}

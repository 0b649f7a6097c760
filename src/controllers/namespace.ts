import type { Namespace } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isConflict, isNotFound, type ApiClient, type DiscoveredResource } from '../client/api-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import { NAMESPACES } from '../client/resources.js';
import { Controller, type ReconcileResult } from './framework/controller.js';

/** The spec.finalizers entry this controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions {
  client: ApiClient;
  logger?: Logger;
  factory?: InformerFactory;
  /** Namespaced resources to empty; default: discovery (refreshed every 30 s) — those with list and delete. */
  resources?: DiscoveredResource[];
  /** How soon to look again while content is still going away; default 1 s. */
  recheckMs?: number;
}

/**
 * Empties a namespace that is being deleted, then removes `kubernetes` from its spec.finalizers (through the
 * `finalize` subresource) so the API server can let it go.
 */
export class NamespaceController {
  private readonly controller: Controller;
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly logger: Logger;
  private discovered?: { at: number; resources: DiscoveredResource[] };

  constructor(private readonly options: NamespaceControllerOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: 'namespace' });
    this.factory = options.factory ?? new InformerFactory(options.client, options.logger);
    this.ownsFactory = !options.factory;
    this.controller = new Controller({
      name: 'namespace', logger: options.logger, workers: 2,
      reconcile: (name) => this.reconcile(name),
    });
    this.controller.watch(this.factory.informer(NAMESPACES));
  }

  async start(): Promise<void> {
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    if (this.ownsFactory) await this.factory.stop();
  }

  private async reconcile(name: string): Promise<ReconcileResult | void> {
    const cached = this.factory.informer(NAMESPACES).get(name);
    if (!cached?.metadata?.deletionTimestamp) return;
    if (!(cached.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;

    let remaining = 0;
    for (const resource of await this.namespacedResources()) {
      const list = await this.options.client.list(resource, { namespace: name });
      for (const item of list.items) {
        remaining += 1;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await this.options.client.delete(resource, item.metadata.name!, {
            namespace: name, propagationPolicy: 'Background', preconditions: { uid: item.metadata.uid },
          });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
    }
    if (remaining > 0) {
      this.logger.debug({ namespace: name, remaining }, 'waiting for namespace content to go');
      return { requeueAfterMs: this.options.recheckMs ?? 1000 };
    }
    await this.finalize(name);
    this.logger.info({ namespace: name }, 'namespace emptied and finalized');
  }

  private async finalize(name: string): Promise<void> {
    let ns: Namespace;
    try {
      ns = await this.options.client.get(NAMESPACES, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER);
    const finalized = { ...ns, spec: { ...ns.spec, finalizers } };
    try {
      await this.options.client.updateSubresource(NAMESPACES, name, 'finalize', finalized);
    } catch (err) {
      if (isNotFound(err) && !(await this.exists(name))) return;
      if (err instanceof ApiError && (err.code === 404 || err.code === 405)) {
        // A server without the finalize subresource: fall back to a plain update.
        await this.options.client.update(NAMESPACES, finalized);
      } else {
        throw err;
      }
    }
    // Some servers remove a finalized namespace only on the next delete (as the upstream controller does).
    if (finalizers.length === 0 && !(ns.metadata?.finalizers?.length)) {
      try {
        await this.options.client.delete(NAMESPACES, name, { preconditions: { uid: ns.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.options.client.get(NAMESPACES, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async namespacedResources(): Promise<DiscoveredResource[]> {
    if (this.options.resources) return this.options.resources.filter((r) => r.namespaced);
    if (!this.discovered || Date.now() - this.discovered.at > 30_000) {
      const all = await this.options.client.discover();
      this.discovered = {
        at: Date.now(),
        resources: all.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete')),
      };
    }
    return this.discovered.resources;
  }
}

export async function startNamespaceController(options: NamespaceControllerOptions): Promise<NamespaceController> {
  const controller = new NamespaceController(options);
  await controller.start();
  return controller;
}

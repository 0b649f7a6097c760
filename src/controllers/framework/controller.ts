import { pino, type Logger } from 'pino';
import type { Informer } from '../../client/informer.js';
import { keyOf, type Resource } from '../../client/resources.js';
import { WorkQueue, type WorkQueueOptions } from './work-queue.js';

/** What a reconcile asks for next; returning nothing means "done until something changes". */
export interface ReconcileResult {
  /** Look at this key again after this long even if nothing changes (e.g. waiting for a timeout). */
  requeueAfterMs?: number;
}

/**
 * Brings the world in line with the desired state of one key. Reads from informer caches, writes through the
 * API. Must be idempotent; a thrown error re-queues the key with exponential back-off.
 */
export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  /** Parallel workers; one key is never reconciled by two workers at once. Default 1. */
  workers?: number;
  logger?: Logger;
  queue?: WorkQueueOptions;
}

/**
 * controller-runtime's shape: informers feed keys into a de-duplicating work queue; workers take keys and call
 * reconcile(key). Level-triggered: a key carries no event payload, so a restart (which relists and re-queues
 * everything) is always safe.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private readonly informers = new Set<Informer<Resource>>();
  private readonly unsubscribers: Array<() => void> = [];
  private readonly logger: Logger;
  private workers: Array<Promise<void>> = [];
  private started = false;

  constructor(private readonly options: ControllerOptions) {
    this.name = options.name;
    this.queue = new WorkQueue<string>(options.queue);
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: options.name });
  }

  /**
   * Enqueues keys for every add, update and delete the informer sees. `map` turns an object into the keys to
   * reconcile (default: the object's own `namespace/name`), e.g. a Pod into its owner ReplicaSet's key.
   */
  watch<T extends Resource>(informer: Informer<T>, map: (obj: T) => string | string[] | undefined = keyOf): this {
    this.informers.add(informer as unknown as Informer<Resource>);
    const enqueue = (obj: T): void => {
      const keys = map(obj);
      for (const key of Array.isArray(keys) ? keys : keys === undefined ? [] : [keys]) this.queue.add(key);
    };
    this.unsubscribers.push(informer.addHandlers({
      onAdd: enqueue,
      onUpdate: (oldObj, newObj) => { enqueue(oldObj); enqueue(newObj); },
      onDelete: enqueue,
    }));
    return this;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the watched informers (idempotent), waits for their caches, then starts the workers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const informer of this.informers) informer.start();
    await Promise.all([...this.informers].map((informer) => informer.waitForSync()));
    if (this.queue.isShuttingDown()) return;
    const count = Math.max(1, this.options.workers ?? 1);
    this.workers = Array.from({ length: count }, () => this.work());
    this.logger.debug({ workers: count }, 'controller started');
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. Informers are left running (they may be shared). */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.options.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        const retries = this.queue.numRequeues(key);
        this.logger[retries >= 5 ? 'warn' : 'debug']({ key, err: (err as Error).message, retries }, 'reconcile failed; will retry');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

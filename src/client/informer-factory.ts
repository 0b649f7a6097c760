import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import type { ApiClient, Ref } from './api-client.js';
import { Informer, type InformerOptions } from './informer.js';
import type { Resource } from './resources.js';

export type SharedInformerOptions = Pick<InformerOptions<unknown>, 'namespace' | 'labelSelector' | 'fieldSelector'>;

/**
 * One informer per (resource, namespace, selectors) shared by every controller in a process
 * (client-go's SharedInformerFactory), so N controllers watching pods cost one watch.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<Resource>>();

  constructor(private readonly client: ApiClient, private readonly logger?: Logger) {}

  informer<T extends Resource = KubeObject>(ref: Ref<T>, options: SharedInformerOptions = {}): Informer<T> {
    const key = [ref.group, ref.version, ref.plural, options.namespace ?? '', options.labelSelector ?? '', options.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer<Resource>(this.client, ref, { ...options, logger: this.logger });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer created so far (informers created later start when a Controller starts them). */
  start(): void {
    for (const informer of this.informers.values()) informer.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }
}

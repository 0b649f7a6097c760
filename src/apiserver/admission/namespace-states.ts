/**
 * Which namespaces exist and which are terminating, kept from a store watch so the namespace-lifecycle check does
 * not read the store on every create (upstream's plugin uses an informer the same way). Stores deliver events to
 * in-process watchers before a write is acknowledged, so a namespace written through this server is already here;
 * anything missing (not yet delivered, or the watch ended) is read from the store.
 */
import { isObject } from '../../api/object.js';
import type { Store, Watcher, WatchEvent } from '../../store/store.js';

export type NamespaceState = 'Active' | 'Terminating';

const PREFIX = '/core/namespaces/';

function stateOf(value: string): NamespaceState {
  const ns = JSON.parse(value) as Record<string, unknown>;
  const meta = isObject(ns['metadata']) ? ns['metadata'] : {};
  const status = isObject(ns['status']) ? ns['status'] : {};
  return meta['deletionTimestamp'] || status['phase'] === 'Terminating' ? 'Terminating' : 'Active';
}

export class NamespaceStates {
  private readonly states = new Map<string, NamespaceState>();
  private watcher: Watcher | undefined;

  constructor(private readonly store: Store) {}

  /** Loads every namespace and follows changes; on failure the cache stays empty and lookups read the store. */
  async start(): Promise<void> {
    const listed = await this.store.list(PREFIX);
    for (const kv of listed.items) this.states.set(kv.key.slice(PREFIX.length), stateOf(kv.value));
    this.watcher = await this.store.watch(PREFIX, {
      afterRevision: listed.revision,
      onEvent: (event) => this.apply(event),
      onError: () => this.stop(),
    });
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.states.clear();
  }

  /** The namespace's state, or undefined when it does not exist. */
  async lookup(name: string): Promise<NamespaceState | undefined> {
    const cached = this.watcher ? this.states.get(name) : undefined;
    if (cached) return cached;
    const kv = await this.store.get(`${PREFIX}${name}`);
    return kv ? stateOf(kv.value) : undefined;
  }

  private apply(event: WatchEvent): void {
    const name = event.kv.key.slice(PREFIX.length);
    if (event.type === 'DELETE') this.states.delete(name);
    else this.states.set(name, stateOf(event.kv.value));
  }
}

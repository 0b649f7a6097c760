import { randomBytes } from 'node:crypto';
import type { Event } from 'kubernetes-types/core/v1.js';
import { pino, type Logger } from 'pino';
import { isNotFound, type ApiClient } from './api-client.js';
import { EVENTS, type Resource } from './resources.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** source.component, e.g. 'default-scheduler', 'deployment-controller', 'kubelet'. */
  component: string;
  /** source.host (a node name), when the reporter runs on a node. */
  host?: string;
  logger?: Logger;
  /** How many distinct events to remember for aggregation; default 4096. */
  cacheSize?: number;
  /**
   * Awaited before each write, e.g. until a node has no pod start in flight: events are informative, so they
   * yield to the work they describe (kubelet also sends them asynchronously, rate-limited).
   */
  gate?: () => Promise<void>;
}

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

/**
 * Records core/v1 Events about objects. Repeats of the same (object, type, reason, message, source) bump
 * `count` and `lastTimestamp` on the existing Event instead of creating new ones, as kubelet and controllers do.
 * Recording never throws: a failed write is logged and dropped.
 */
export class EventRecorder {
  private readonly seen = new Map<string, Remembered>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly logger: Logger;

  constructor(private readonly client: ApiClient, private readonly options: EventRecorderOptions) {
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ recorder: options.component });
  }

  /** Records an event; resolves when it is written (or dropped). Repeats of one event are written in order. */
  event(involved: Resource, type: EventType, reason: string, message: string): Promise<void> {
    const meta = involved.metadata ?? {};
    const cacheKey = [meta.uid ?? `${meta.namespace || 'default'}/${meta.name}`, involved.kind, type, reason, message].join('\u0000');
    const previous = this.inflight.get(cacheKey) ?? Promise.resolve();
    const gate = this.options.gate;
    const next = previous.then(async () => {
      if (gate) await gate().catch(() => undefined);
      await this.write(cacheKey, involved, type, reason, message);
    });
    this.inflight.set(cacheKey, next);
    void next.then(() => { if (this.inflight.get(cacheKey) === next) this.inflight.delete(cacheKey); });
    return next;
  }

  private async write(cacheKey: string, involved: Resource, type: EventType, reason: string, message: string): Promise<void> {
    const meta = involved.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const previous = this.seen.get(cacheKey);
    try {
      if (previous) {
        previous.count += 1;
        this.touch(cacheKey, previous);
        try {
          await this.client.patch(EVENTS, previous.name, { count: previous.count, lastTimestamp: now }, 'merge', { namespace: previous.namespace });
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.seen.delete(cacheKey); // the Event expired or was deleted: start a fresh one
        }
      }
      const name = `${meta.name ?? 'unknown'}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      const event: Event = {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion, kind: involved.kind, name: meta.name, namespace: meta.namespace,
          uid: meta.uid, resourceVersion: meta.resourceVersion,
        },
        type, reason, message,
        source: { component: this.options.component, ...(this.options.host ? { host: this.options.host } : {}) },
        count: 1, firstTimestamp: now, lastTimestamp: now,
        reportingComponent: this.options.component, reportingInstance: this.options.host ?? '',
      };
      await this.client.create(EVENTS, event, { namespace });
      this.touch(cacheKey, { name, namespace, count: 1, firstTimestamp: now });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, reason, object: `${meta.namespace ?? ''}/${meta.name ?? ''}` }, 'could not record event');
    }
  }

  normal(involved: Resource, reason: string, message: string): Promise<void> {
    return this.event(involved, 'Normal', reason, message);
  }

  warning(involved: Resource, reason: string, message: string): Promise<void> {
    return this.event(involved, 'Warning', reason, message);
  }

  /** Least-recently-used bookkeeping: re-insert to move to the end, evict from the front. */
  private touch(key: string, entry: Remembered): void {
    this.seen.delete(key);
    this.seen.set(key, entry);
    const limit = this.options.cacheSize ?? 4096;
    while (this.seen.size > limit) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}

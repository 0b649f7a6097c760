/**
 * Stats summaries fetched from node agents (GET /stats/summary), cached per node for a few seconds and shared by
 * concurrent requests. A node whose agent cannot be reached simply has no metrics (kubectl shows <unknown>).
 */
import type { Logger } from 'pino';
import type { StatsSummary } from '../../agent/server/stats-summary.js';
import type { KubeObject } from '../../api/object.js';
import { agentLocationOf, type NodeTransport } from '../pod-connect/node-transport.js';

interface Entry {
  at: number;
  summary: Promise<StatsSummary | undefined>;
}

export class UsageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly transport: NodeTransport,
    private readonly logger: Logger,
    private readonly ttlMs = 5_000,
  ) {}

  /** The node's summary, or undefined when it has no reachable agent. */
  summary(node: KubeObject): Promise<StatsSummary | undefined> {
    const name = node.metadata.name ?? '';
    const now = Date.now();
    const cached = this.entries.get(name);
    if (cached && now - cached.at < this.ttlMs) return cached.summary;
    const summary = this.fetch(node);
    this.entries.set(name, { at: now, summary });
    // Failures are not cached beyond this request.
    void summary.then((s) => {
      if (!s && this.entries.get(name)?.summary === summary) this.entries.delete(name);
    });
    return summary;
  }

  private async fetch(node: KubeObject): Promise<StatsSummary | undefined> {
    try {
      const location = agentLocationOf(node);
      return await this.transport.getJson<StatsSummary>(location, '/stats/summary', AbortSignal.timeout(15_000));
    } catch (err) {
      this.logger.debug({ node: node.metadata.name, err: (err as Error).message }, 'no usage from node');
      return undefined;
    }
  }
}

/**
 * Where the autoscaler reads pod usage. The default reads the resource metrics API (metrics.k8s.io/v1beta1
 * PodMetrics, as metrics-server or Stratus' API server serve it); tests may pass their own source.
 */
import { tryParseQuantity } from '../../api/quantity.js';
import { ApiError, type ApiClient } from '../../client/api-client.js';
import type { PodMetricsInfo } from './replica-calculator.js';

/** The upstream PodMetrics shape (metrics.k8s.io/v1beta1). */
export interface PodMetricsObject {
  metadata: { name?: string; namespace?: string };
  timestamp: string;
  /** A Go duration: "15s", "1m0.5s". */
  window: string;
  containers: Array<{ name: string; usage: Record<string, string> }>;
}

export interface PodMetricsSource {
  /** PodMetrics of the pods in `namespace` matching `labelSelector` (a selector string). Throws when unavailable. */
  listPodMetrics(namespace: string, labelSelector: string): Promise<PodMetricsObject[]>;
}

/** Reads `GET /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods?labelSelector=…` through the API server. */
export class MetricsApiSource implements PodMetricsSource {
  constructor(private readonly client: ApiClient) {}

  async listPodMetrics(namespace: string, labelSelector: string): Promise<PodMetricsObject[]> {
    const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
    try {
      const list = await this.client.request<{ items?: PodMetricsObject[] }>('GET', path, { query: { labelSelector } });
      return list?.items ?? [];
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        throw new Error('the resource metrics API (metrics.k8s.io/v1beta1) is not served: install or enable it so pod usage can be read');
      }
      throw err;
    }
  }
}

/** Parses a Go duration ("1h2m3.5s", "250ms") into milliseconds; 0 for anything else. */
export function parseGoDuration(text: string | undefined): number {
  if (!text) return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let consumed = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed += match[0].length;
  }
  return consumed === text.length ? total : 0;
}

/**
 * Usage of one resource per pod in milli-units (upstream's getPodMetrics): the sum over containers (or just
 * `container`); a pod missing the resource in any container has no metric.
 */
export function resourceMetrics(items: PodMetricsObject[], resource: string, container?: string): PodMetricsInfo {
  const out: PodMetricsInfo = new Map();
  for (const item of items) {
    const containers = container ? item.containers.filter((c) => c.name === container) : item.containers;
    if (containers.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of containers) {
      const q = tryParseQuantity(c.usage?.[resource]);
      if (!q) { missing = true; break; }
      sum += q.milliValue();
    }
    if (missing) continue;
    out.set(item.metadata.name ?? '', { value: sum, timestamp: Date.parse(item.timestamp) || Date.now(), windowMs: parseGoDuration(item.window) });
  }
  return out;
}

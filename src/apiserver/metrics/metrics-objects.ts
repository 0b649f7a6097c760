/** metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics from agents' stats summaries (as metrics-server builds them). */
import type { KubeObject } from '../../api/object.js';
import type { CpuUsage, MemoryUsage, PodUsage } from '../../agent/server/stats-summary.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface Usage {
  cpu: string;
  memory: string;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: typeof METRICS_API_VERSION;
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: Usage }>;
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: typeof METRICS_API_VERSION;
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

/** Nanocores as a canonical decimal quantity: "2", "250m", "1500u", "12345n". */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  if (n === 0) return '0';
  if (n % 1e9 === 0) return String(n / 1e9);
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}u`;
  return `${n}n`;
}

/** Bytes as a canonical binary quantity: "0", "12Ki", "3Mi", "1000". */
export function memoryQuantity(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n === 0) return '0';
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (n % 1024 === 0 && i < suffixes.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

/** A Go time.Duration string for a window in seconds: "1.5s", "15s", "1m0.25s". */
export function durationString(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const minutes = Math.floor(ms / 60_000);
  const rest = (ms % 60_000) / 1000;
  const secs = `${Number(rest.toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${secs}` : secs;
}

function usageOf(cpu: CpuUsage, memory: MemoryUsage): Usage | undefined {
  if (cpu.usageNanoCores === undefined) return undefined;
  return { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(memory.workingSetBytes) };
}

function labelsOf(obj: KubeObject): Record<string, string> | undefined {
  const labels = obj.metadata.labels as Record<string, string> | undefined;
  return labels && Object.keys(labels).length > 0 ? { ...labels } : undefined;
}

/** PodMetrics for a stored pod from its usage; undefined while some container has no CPU rate yet. */
export function podMetrics(pod: KubeObject, usage: PodUsage, now = new Date()): PodMetrics | undefined {
  const containers: PodMetrics['containers'] = [];
  let window = 0;
  let timestamp = '';
  for (const c of usage.containers) {
    const u = usageOf(c.cpu, c.memory);
    if (!u) return undefined;
    containers.push({ name: c.name, usage: u });
    window = Math.max(window, c.cpu.usageWindowSeconds ?? 0);
    if (c.cpu.time > timestamp) timestamp = c.cpu.time;
  }
  if (containers.length === 0) return undefined;
  const labels = labelsOf(pod);
  return {
    kind: 'PodMetrics', apiVersion: METRICS_API_VERSION,
    metadata: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'), ...(labels ? { labels } : {}) },
    timestamp: timestamp.replace(/\.\d+Z$/, 'Z'),
    window: durationString(window),
    containers: containers.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function nodeMetrics(node: KubeObject, cpu: CpuUsage, memory: MemoryUsage, now = new Date()): NodeMetrics | undefined {
  const u = usageOf(cpu, memory);
  if (!u) return undefined;
  const labels = labelsOf(node);
  return {
    kind: 'NodeMetrics', apiVersion: METRICS_API_VERSION,
    metadata: { name: node.metadata.name ?? '', creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'), ...(labels ? { labels } : {}) },
    timestamp: cpu.time.replace(/\.\d+Z$/, 'Z'),
    window: durationString(cpu.usageWindowSeconds ?? 0),
    usage: u,
  };
}

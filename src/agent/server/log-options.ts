/**
 * PodLogOptions as query parameters (`container`, `follow`, `previous`, `timestamps`, `tailLines`, `sinceSeconds`,
 * `sinceTime`, `limitBytes`), validated as Kubernetes validates them. The API server parses what kubectl sends and
 * forwards `logQuery(...)` to the agent, which parses it again with the same function.
 */
import { errors } from '../../api/errors.js';
import type { ReadLogsOptions } from '../../runtime/log-reader.js';
import { parseBool } from './remote-command.js';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d{1,15}$/.test(v)) throw errors.badRequest(`${name}: Invalid value: "${v}": must be an integer`);
  return Number(v);
}

export function parseLogOptions(query: URLSearchParams): PodLogOptions {
  const options: PodLogOptions = {
    follow: parseBool(query.get('follow'), 'follow'),
    previous: parseBool(query.get('previous'), 'previous'),
    timestamps: parseBool(query.get('timestamps'), 'timestamps'),
  };
  const container = query.get('container');
  if (container) options.container = container;
  const tailLines = integer(query, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0) throw errors.badRequest(`tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
    options.tailLines = tailLines;
  }
  const limitBytes = integer(query, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) throw errors.badRequest(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
    options.limitBytes = limitBytes;
  }
  const sinceSeconds = integer(query, 'sinceSeconds');
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw errors.badRequest(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
    options.sinceSeconds = sinceSeconds;
  }
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (!/^\d{4}-\d\d-\d\dT/.test(sinceTime) || Number.isNaN(t)) {
      throw errors.badRequest(`sinceTime: Invalid value: "${sinceTime}": must be an RFC3339 time, e.g. 2024-01-02T15:04:05Z`);
    }
    options.sinceTime = new Date(t);
  }
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) {
    throw errors.badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  }
  return options;
}

/** The query the API server sends to the agent (kubelet's /containerLogs parameters). */
export function logQuery(options: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (options.follow) q.set('follow', 'true');
  if (options.previous) q.set('previous', 'true');
  if (options.timestamps) q.set('timestamps', 'true');
  if (options.sinceSeconds !== undefined) q.set('sinceSeconds', String(options.sinceSeconds));
  if (options.sinceTime !== undefined) q.set('sinceTime', options.sinceTime.toISOString());
  if (options.tailLines !== undefined) q.set('tailLines', String(options.tailLines));
  if (options.limitBytes !== undefined) q.set('limitBytes', String(options.limitBytes));
  return q;
}

/** The runtime log reader's options for these PodLogOptions, at time `now`. */
export function readerOptions(options: PodLogOptions, now = Date.now()): ReadLogsOptions {
  const out: ReadLogsOptions = { follow: options.follow, timestamps: options.timestamps };
  if (options.tailLines !== undefined) out.tail = options.tailLines;
  if (options.limitBytes !== undefined) out.limitBytes = options.limitBytes;
  if (options.sinceSeconds !== undefined) out.sinceTime = new Date(now - options.sinceSeconds * 1000);
  else if (options.sinceTime !== undefined) out.sinceTime = options.sinceTime;
  return out;
}

/**
 * How the API server reaches a node's agent: the Node's InternalIP (else Hostname, else ExternalIP) and
 * status.daemonEndpoints.kubeletEndpoint.Port, over HTTPS with the API server's client certificate. The agent's
 * serving certificate is not verified (like kube-apiserver without --kubelet-certificate-authority): agents
 * make their own self-signed certificates.
 */
import { request as httpsRequest, Agent, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import { WebSocket } from 'ws';
import { ApiError, errors, type Status } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import type { ServerContext } from '../context.js';
import { ResourceStorage } from '../resource-storage.js';

export interface AgentLocation {
  nodeName: string;
  host: string;
  port: number;
}

export interface NodeTransportOptions {
  /** The API server's client certificate and key (PEM), CN stratus-apiserver. */
  clientCert: string;
  clientKey: string;
  /** Connect/response-header timeout (default 10 s). */
  timeoutMs?: number;
}

const ADDRESS_PREFERENCE = ['InternalIP', 'Hostname', 'ExternalIP'];

/** The agent address of a Node object, or an error saying why there is none. */
export function agentLocationOf(node: KubeObject): AgentLocation {
  const name = node.metadata.name ?? '';
  const status = isObject(node['status']) ? node['status'] : {};
  const addresses = (Array.isArray(status['addresses']) ? status['addresses'] : []).filter(isObject);
  const endpoints = isObject(status['daemonEndpoints']) ? status['daemonEndpoints'] : {};
  const kubelet = isObject(endpoints['kubeletEndpoint']) ? endpoints['kubeletEndpoint'] : {};
  const port = Number(kubelet['Port'] ?? 0);
  let host: string | undefined;
  for (const type of ADDRESS_PREFERENCE) {
    const found = addresses.find((a) => a['type'] === type && typeof a['address'] === 'string' && a['address']);
    if (found) {
      host = String(found['address']);
      break;
    }
  }
  if (!host) throw new ApiError(503, 'ServiceUnavailable', `node "${name}" reports no address (status.addresses is empty); is its agent running?`);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ApiError(503, 'ServiceUnavailable', `node "${name}" serves no agent endpoint (status.daemonEndpoints.kubeletEndpoint.Port is ${port || 0}); logs, exec and metrics need a node agent with its endpoint enabled`);
  }
  return { nodeName: name, host, port };
}

export class NodeTransport {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: NodeTransportOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({ keepAlive: true, cert: options.clientCert, key: options.clientKey, rejectUnauthorized: false, maxSockets: 64 });
  }

  async locate(ctx: ServerContext, nodeName: string): Promise<AgentLocation> {
    const kind = ctx.kinds.byResource('', 'v1', 'nodes');
    if (!kind) throw errors.internal('the nodes resource is not registered');
    const { object } = await new ResourceStorage(ctx).get(kind, undefined, nodeName);
    return agentLocationOf(object);
  }

  url(location: AgentLocation, path: string, scheme = 'https'): string {
    const host = isIPv6(location.host) ? `[${location.host}]` : location.host;
    return `${scheme}://${host}:${location.port}${path}`;
  }

  /** GET on the agent; resolves with the response (any status) once its headers arrive. */
  get(location: AgentLocation, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    const opts: RequestOptions = { method: 'GET', agent: this.agent, headers: { Accept: '*/*' }, ...(signal ? { signal } : {}) };
    return new Promise((resolve, reject) => {
      const req = httpsRequest(this.url(location, path), opts, (res) => {
        req.setTimeout(0);
        resolve(res);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(unreachable(location, err)));
      req.end();
    });
  }

  /** GET returning the parsed JSON body; a non-2xx answer becomes its Status as an ApiError. */
  async getJson<T>(location: AgentLocation, path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.get(location, path, signal);
    const body = await readBody(res);
    if ((res.statusCode ?? 500) >= 300) throw agentError(res.statusCode ?? 500, body);
    return JSON.parse(body) as T;
  }

  /**
   * Opens a remote-command WebSocket to the agent. Resolves with the open socket, or rejects with the agent's
   * refusal as an ApiError (its Status) or an unreachable-agent error.
   */
  openStream(location: AgentLocation, path: string, protocols: string[]): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url(location, path, 'wss'), protocols, {
        cert: this.options.clientCert, key: this.options.clientKey, rejectUnauthorized: false,
        handshakeTimeout: this.timeoutMs, perMessageDeflate: false,
      });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => {
        void readBody(res).then((body) => reject(agentError(res.statusCode ?? 500, body)), reject);
      });
      ws.once('error', (err) => reject(unreachable(location, err)));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function readBody(res: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, limit)));
    res.on('error', reject);
  });
}

/** The agent's Status (or plain text) as an ApiError with the agent's code. */
export function agentError(code: number, body: string): ApiError {
  try {
    const status = JSON.parse(body) as Status;
    if (status && status.kind === 'Status') return ApiError.fromStatus({ ...status, code: status.code || code });
  } catch {
    // not JSON
  }
  return new ApiError(code, code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError', body.trim() || `the node agent answered ${code}`);
}

function unreachable(location: AgentLocation, err: Error): ApiError {
  if (err instanceof ApiError) return err;
  return errors.internal(`cannot reach the agent of node "${location.nodeName}" at ${location.host}:${location.port}: ${err.message}; check that the node's agent is running and reachable from the API server`);
}

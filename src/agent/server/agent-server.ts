/**
 * The node agent's HTTPS endpoint (our kubelet port): logs, exec/attach, port-forward and usage stats, for the API
 * server only.
 *
 * How the agent starts it (in NodeAgent.start(), before buildNode, so the Node is registered with the real port):
 *
 *   this.endpoint = await startAgentServer({ nodeName: this.nodeName, runtime: this.runtime,
 *     clientCa: o.client.config.caData!, host: '0.0.0.0', port: o.agentPort ?? DEFAULT_AGENT_PORT, logger: this.logger });
 *   … buildNode({ …, agentPort: this.endpoint.port }) …          and in stop(): await this.endpoint?.close();
 *
 * All options:
 *
 *   const server = await startAgentServer({
 *     nodeName,                       // the Node's name
 *     runtime,                        // the node's ContainerRuntime
 *     clientCa: caPem,                // the cluster CA (certificate-authority-data of the agent's kubeconfig)
 *     host: '0.0.0.0', port: 10250,   // port 0 picks a free one; report server.port in the Node's
 *                                     // status.daemonEndpoints.kubeletEndpoint.Port, next to its InternalIP
 *     // optional:
 *     tls: { cert, key },             // default: a self-signed certificate made at start (kubelet's default)
 *     resolveContainer,               // (ref: {namespace, pod, container, previous}) => Promise<{containerId, logPath} | undefined>
 *                                     //   default: from the runtime containers' io.stratus.* labels (container-labels.ts)
 *     listContainers,                 // () => Promise<PodContainerRef[]>: running pod containers, for stats;
 *                                     //   default: from the same labels
 *     nodeStats,                      // () => Promise<ContainerStats>: default the machine's root cgroup
 *     allowedClients: ['stratus-apiserver'], logger,
 *   });
 *   …
 *   await server.close();
 *
 * Endpoints (kubelet's paths and parameters):
 *   GET /healthz
 *   GET /containerLogs/NS/POD/CONTAINER?follow&previous&timestamps&tailLines&sinceSeconds&sinceTime&limitBytes → text/plain
 *   GET /stats/summary → StatsSummary JSON (stats-summary.ts)
 *   WebSocket /exec/NS/POD/CONTAINER?command=…&stdin&stdout&stderr&tty, /attach/NS/POD/CONTAINER?… → remote-command.ts
 *   WebSocket /portForward/NS/POD (subprotocol spdy3.portforward.stratus: kubectl's tunnelled SPDY) → port-forward.ts
 * Errors are Kubernetes Status JSON.
 *
 * Security: HTTPS only. A caller must present a client certificate signed by `clientCa` whose CN is in
 * `allowedClients` (the API server's client certificate from src/apiserver/pki.ts has CN stratus-apiserver);
 * anyone else gets 401/403 and nothing else.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { ApiError, errors } from '../../api/errors.js';
import { readCgroupStats, type ContainerStats } from '../../runtime/cgroup-stats.js';
import { readLogs } from '../../runtime/log-reader.js';
import { labelContainerLister, labelPodResolver, type AgentRuntime, type PodResolver, type ResolvedContainer } from './container-resolver.js';
import { runAttachSession, runExecSession } from './exec-session.js';
import { AGENT_PORT_FORWARD_PROTOCOL, selectPortForwardProtocol, servePortForward } from './port-forward.js';
import { parseLogOptions, readerOptions } from './log-options.js';
import { offeredProtocols, parseStreamOptions, selectProtocol, statusBody, SUPPORTED_PROTOCOLS } from './remote-command.js';
import { selfSignedServingCert } from './serving-cert.js';
import { StatsCollector, type PodContainerRef } from './stats-summary.js';

export type { PodResolver, ResolvedContainer, ContainerRef, AgentRuntime } from './container-resolver.js';
export type { PodContainerRef, StatsSummary } from './stats-summary.js';

/** CN of the API server's client certificate (src/apiserver/pki.ts). */
export const API_SERVER_CLIENT_CN = 'stratus-apiserver';
/** kubelet's port. */
export const DEFAULT_AGENT_PORT = 10250;

export interface AgentServerOptions {
  nodeName: string;
  runtime: AgentRuntime;
  /** PEM of the CA that signs the API server's client certificate (the cluster CA). */
  clientCa: string;
  /** Client certificate CNs allowed in (default: the API server's). */
  allowedClients?: string[];
  /** Serving certificate and key (PEM); default a self-signed one made now. */
  tls?: { cert: string; key: string };
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 10250; 0 picks a free port. */
  port?: number;
  resolveContainer?: PodResolver;
  listContainers?: () => Promise<PodContainerRef[]>;
  nodeStats?: () => Promise<ContainerStats>;
  /** Background CPU sampling period (default 10 s), so rates are ready when asked for. */
  sampleIntervalMs?: number;
  logger?: Logger;
}

export interface AgentServer {
  port: number;
  close(): Promise<void>;
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const host = options.host ?? '0.0.0.0';
  const allowed = new Set(options.allowedClients ?? [API_SERVER_CLIENT_CN]);
  const tls = options.tls ?? (await selfSignedServingCert(options.nodeName, [options.nodeName, hostname(), 'localhost', '127.0.0.1', host === '0.0.0.0' ? '' : host]));
  const resolve = options.resolveContainer ?? labelPodResolver(options.runtime);
  const stats = new StatsCollector({
    nodeName: options.nodeName,
    listContainers: () => listContainers(),
    containerStats: (id) => options.runtime.stats(id),
    nodeStats: options.nodeStats ?? (() => readCgroupStats('')),
  });
  stats.startSampling(options.sampleIntervalMs ?? 10_000);
  const listContainers = options.listContainers ?? labelContainerLister(options.runtime);
  const wss = new WebSocketServer({
    noServer: true, perMessageDeflate: false,
    handleProtocols: (offered, req) => (isPortForward(req.url) ? selectPortForwardProtocol(offered) : selectProtocol(offered)) ?? false,
  });
  const upgraded = new Set<Duplex>();

  const server: Server = createServer({ cert: tls.cert, key: tls.key, ca: options.clientCa, requestCert: true, rejectUnauthorized: false });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        authorize(req.socket as TLSSocket, allowed);
        await route(req, res);
      } catch (err) {
        if (!(err instanceof ApiError)) options.logger?.error({ err, path: req.url }, 'agent endpoint failed');
        if (res.headersSent) return void res.destroy();
        const { code, body } = statusBody(err);
        res.writeHead(code, { 'Content-Type': 'application/json' }).end(body);
      }
    })();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.on('error', () => undefined);
    void (async () => {
      try {
        authorize(socket as TLSSocket, allowed);
        await upgrade(req, socket, head);
      } catch (err) {
        if (!(err instanceof ApiError)) options.logger?.error({ err, path: req.url }, 'agent stream failed');
        refuseUpgrade(socket, err);
      }
    })();
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://agent');
    if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported here`);
    if (url.pathname === '/healthz') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    if (url.pathname === '/stats/summary') {
      const body = JSON.stringify(await stats.summary());
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    }
    const parts = pathParts(url.pathname);
    if (parts?.[0] === 'containerLogs' && parts.length === 4) return containerLogs(parts[1]!, parts[2]!, parts[3]!, url.searchParams, res);
    throw new ApiError(404, 'NotFound', `the agent does not serve ${url.pathname}`);
  }

  async function containerLogs(namespace: string, pod: string, container: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const opts = parseLogOptions(query);
    const found = await resolve({ namespace, pod, container, previous: opts.previous });
    if (!found) {
      if (opts.previous) throw errors.badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
      throw new ApiError(404, 'NotFound', `container "${container}" in pod "${pod}" is not available`);
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const reader = readLogs(found.logPath, {
      ...readerOptions(opts), signal: abort.signal,
      isFinished: () => options.runtime.hasExited(found.containerId).catch(() => true),
    });
    for await (const chunk of reader) {
      if (abort.signal.aborted) break;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    res.end();
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://agent');
    const parts = pathParts(url.pathname);
    const kind = parts?.[0];
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw errors.badRequest(`only WebSocket upgrades are supported (got ${JSON.stringify(req.headers.upgrade ?? '')})`);
    }
    if (kind === 'portForward' && parts!.length === 3) return portForward(parts![1]!, parts![2]!, req, socket, head);
    if ((kind !== 'exec' && kind !== 'attach') || parts!.length !== 4) throw new ApiError(404, 'NotFound', `the agent does not serve streams at ${url.pathname}`);
    const protocol = selectProtocol(offeredProtocols(req.headers['sec-websocket-protocol']));
    if (!protocol) throw errors.badRequest(`no supported stream protocol; offer one of ${SUPPORTED_PROTOCOLS.join(', ')}`);
    const [, namespace, pod, container] = parts as [string, string, string, string];
    const stream = parseStreamOptions(url.searchParams, kind);
    if (kind === 'attach' && stream.stdin) throw errors.badRequest('attach with stdin is not supported: containers run without an open stdin; use kubectl exec -i instead');
    const found = await resolve({ namespace, pod, container, previous: false });
    const state = found ? (await options.runtime.state(found.containerId).catch(() => undefined))?.state : undefined;
    if (!found || state !== 'running') throw new ApiError(404, 'NotFound', `container "${container}" in pod "${pod}" is not running`);
    const target: ResolvedContainer = found;
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded.delete(socket);
      const session = kind === 'exec'
        ? runExecSession(ws, ws.protocol, options.runtime, target.containerId, stream, options.logger)
        : runAttachSession(ws, ws.protocol, options.runtime, target.containerId, target.logPath, stream);
      void session.catch((err: Error) => options.logger?.warn({ err: err.message }, 'stream session failed'));
      upgraded.add(socket);
    });
  }

  async function portForward(namespace: string, pod: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!selectPortForwardProtocol(offeredProtocols(req.headers['sec-websocket-protocol']))) {
      throw errors.badRequest(`port-forward needs the WebSocket subprotocol ${AGENT_PORT_FORWARD_PROTOCOL}`);
    }
    const running = (await listContainers()).filter((c) => c.namespace === namespace && c.pod === pod);
    let pid: number | undefined;
    for (const c of running) {
      pid = (await options.runtime.state(c.containerId).catch(() => undefined))?.pid;
      if (pid) break;
    }
    if (!pid) throw new ApiError(404, 'NotFound', `pod "${pod}" in namespace "${namespace}" has no running container on this node`);
    const target = { namespace, pod, pid };
    wss.handleUpgrade(req, socket, head, (ws) => servePortForward(ws, target, options.logger));
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_AGENT_PORT, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? DEFAULT_AGENT_PORT;
  options.logger?.info({ port }, 'agent endpoint listening (logs, exec, stats)');

  return {
    port,
    async close() {
      stats.stopSampling();
      for (const client of wss.clients) client.terminate();
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Throws 401 without a CA-signed client certificate, 403 for a certificate of someone else. */
function authorize(socket: TLSSocket, allowed: ReadonlySet<string>): void {
  if (!socket.authorized) {
    throw errors.unauthorized(`Unauthorized: this endpoint serves only the API server (client certificate ${socket.authorizationError ? `rejected: ${String(socket.authorizationError)}` : 'missing'})`);
  }
  const cn = socket.getPeerCertificate().subject?.CN;
  const names = Array.isArray(cn) ? cn : cn ? [cn] : [];
  if (!names.some((n) => allowed.has(n))) throw errors.forbidden(`Forbidden: client certificate CN ${JSON.stringify(names.join(','))} may not use this endpoint`);
}

function isPortForward(url: string | undefined): boolean {
  return (url ?? '').startsWith('/portForward/');
}

function pathParts(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

/** Answers a refused upgrade with a plain HTTP response carrying a Status, then closes the socket. */
function refuseUpgrade(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  const { code, body } = statusBody(err);
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

// One probe or lifecycle-hook action run once: exec in the container, HTTP GET or TCP connect to the pod IP.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { Container, ExecAction, HTTPGetAction, TCPSocketAction } from 'kubernetes-types/core/v1.js';

export interface ProbeOutcome {
  ok: boolean;
  /** What went wrong, worded like kubelet's event messages. */
  message: string;
}

export interface ProbeTarget {
  podIP?: string;
  container: Container;
  /** Runs argv in the container; resolves with the exit code and combined output. */
  exec(args: string[], timeoutMs: number): Promise<{ code: number; output: string }>;
}

/** A named port of the container ("http") or a number. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export async function runExecAction(action: ExecAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const args = action.command ?? [];
  try {
    const { code, output } = await target.exec(args, timeoutMs);
    if (code === 0) return { ok: true, message: output };
    return { ok: false, message: output.trim() || `command ${JSON.stringify(args)} exited with ${code}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

export function runHttpGet(action: HTTPGetAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  const scheme = (action.scheme ?? 'HTTP').toUpperCase();
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${scheme.toLowerCase()}://${host}:${port}${path}`;
  if (!host || !port) return Promise.resolve({ ok: false, message: `Get "${url}": no pod IP or port` });
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
    const mod = scheme === 'HTTPS' ? https : http;
    const req = mod.request({ host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (body.length < 10_240) body += d; });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ ok: true, message: body });
        else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

export function runTcpSocket(action: TCPSocketAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  if (!host || !port) return Promise.resolve({ ok: false, message: `dial tcp ${host}:${port}: no pod IP or port` });
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` });
    });
  });
}

export interface ProbeAction {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
}

export async function runAction(action: ProbeAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (action.exec) return runExecAction(action.exec, target, timeoutMs);
  if (action.httpGet) return runHttpGet(action.httpGet, target, timeoutMs);
  if (action.tcpSocket) return runTcpSocket(action.tcpSocket, target, timeoutMs);
  return { ok: false, message: 'probe has no exec, httpGet or tcpSocket action' };
}

/** Collects a stream's text up to a limit (exec output for probe messages). */
export class TextSink extends Writable {
  text = '';
  constructor(private readonly limit = 10_240) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.text.length < this.limit) this.text += chunk.toString('utf8');
    cb();
  }
}

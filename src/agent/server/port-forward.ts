/**
 * kubectl port-forward over the tunnelled SPDY session: each forwarded connection arrives as a pair of streams
 * (streamType error and data, same requestID and port). The data stream is joined to a TCP connection to
 * 127.0.0.1:PORT made inside the pod's network namespace (as kubelet does), by a small Node process started with
 * nsenter; failures are written to the error stream, which kubectl prints.
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { SpdyServerSession, type SpdyStream } from './spdy-session.js';

/** What kubectl offers. '/' is not a token character, so WebSocket libraries (ws) refuse it as a subprotocol. */
export const PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** The same tunnelled SPDY session under a valid token, for the hop from the API server to the agent. */
export const AGENT_PORT_FORWARD_PROTOCOL = 'spdy3.portforward.stratus';

/** The protocol to accept from an offer, if any. */
export function selectPortForwardProtocol(offered: Iterable<string>): string | undefined {
  return [...offered].map((p) => p.trim()).find((p) => p === PORT_FORWARD_PROTOCOL || p === AGENT_PORT_FORWARD_PROTOCOL);
}

// Runs inside the pod's network namespace: stdin → 127.0.0.1:PORT → stdout, half-closes passed through.
const CONNECT_SCRIPT = `
const s = require('net').connect({ host: '127.0.0.1', port: Number(process.argv[1]), allowHalfOpen: true });
s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
s.on('connect', () => { process.stdin.pipe(s); s.pipe(process.stdout); });
`;

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  /** A process in the pod's network namespace (a container's init). */
  pid: number;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  /** Data from the client before the connection exists. */
  pending: Buffer[];
  clientDone: boolean;
}

export function servePortForward(ws: WebSocket, target: PortForwardTarget, logger?: Logger): void {
  const pairs = new Map<string, Pair>();
  const children = new Set<ReturnType<typeof spawn>>();
  const session = new SpdyServerSession(
    (bytes) => {
      if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
    },
    (stream) => accept(stream),
    (reason) => {
      logger?.debug({ pod: `${target.namespace}/${target.pod}`, reason }, 'port-forward session ended');
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  );
  ws.on('message', (m: Buffer) => session.receive(m));
  ws.on('close', () => {
    session.close();
    for (const child of children) child.kill('SIGKILL');
  });

  function accept(stream: SpdyStream): void {
    const type = stream.headers.get('streamtype');
    const key = `${stream.headers.get('requestid') ?? ''}/${stream.headers.get('port') ?? ''}`;
    let pair = pairs.get(key);
    if (!pair) pairs.set(key, (pair = { pending: [], clientDone: false }));
    if (type === 'error') {
      pair.error = stream;
    } else if (type === 'data') {
      pair.data = stream;
      const p = pair;
      stream.onData = (d) => p.pending.push(d);
      stream.onEnd = () => { p.clientDone = true; };
    } else {
      stream.reset();
      return;
    }
    if (pair.error && pair.data) {
      pairs.delete(key);
      forward(pair, stream.headers.get('port') ?? '');
    }
  }

  function forward(pair: Pair, portText: string): void {
    const error = pair.error!;
    const data = pair.data!;
    const port = Number(portText);
    const fail = (message: string) => {
      error.write(Buffer.from(`error forwarding port ${portText} to pod ${target.namespace}/${target.pod}: ${message}`));
      error.end();
      data.end();
    };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('invalid port');
    const child = spawn('nsenter', [`--net=/proc/${target.pid}/ns/net`, '--', process.execPath, '-e', CONNECT_SCRIPT, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.on('error', () => undefined);
    for (const chunk of pair.pending) child.stdin.write(chunk);
    if (pair.clientDone) child.stdin.end();
    data.onData = (d) => child.stdin.write(d);
    data.onEnd = () => child.stdin.end();
    children.add(child);
    child.stdout.on('data', (d: Buffer) => data.write(d));
    // The pod's side closed its half: tell kubectl, which then finishes the local connection.
    child.stdout.on('end', () => data.end());
    child.on('error', (err) => fail(err.message));
    child.on('close', (code) => {
      children.delete(child);
      if (code !== 0) return fail(stderr.trim() || `exit code ${code}`);
      error.end();
      data.end();
    });
  }
}

/**
 * The remote-command wire protocol that kubectl (client-go) speaks for exec and attach over WebSocket, and that the
 * agent and the API server speak between themselves: subprotocol `v5.channel.k8s.io` (or v4), binary messages whose
 * first byte is the channel. 0 stdin, 1 stdout, 2 stderr, 3 error (one Status JSON, then the socket closes),
 * 4 resize (`{"Width":W,"Height":H}`), 255 close (v5 only: `[255, channel]` half-closes that channel, e.g. stdin EOF).
 */
import { ApiError, errors, type Status } from '../../api/errors.js';
import type { TerminalSize } from '../../runtime/exec.js';

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';
/** In preference order. Older protocols (v1–v3) lack the Status error channel and are not offered. */
export const SUPPORTED_PROTOCOLS = [PROTOCOL_V5, PROTOCOL_V4] as const;

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Picks the protocol both sides speak (ours first), or undefined. */
export function selectProtocol(offered: Iterable<string>): string | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p));
}

/** Splits a `Sec-WebSocket-Protocol` header value. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(',') : header ?? '';
  return raw.split(',').map((p) => p.trim()).filter(Boolean);
}

export function frame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

export interface Frame {
  channel: number;
  data: Buffer;
}

export function parseFrame(message: Buffer): Frame | undefined {
  if (message.length === 0) return undefined;
  return { channel: message[0]!, data: message.subarray(1) };
}

/** `{"Width":80,"Height":24}` → {cols, rows}; undefined for anything else. */
export function parseResize(data: Buffer): TerminalSize | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const cols = Number(v.Width);
    const rows = Number(v.Height);
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0 || cols > 65535 || rows > 65535) return undefined;
    return { cols, rows };
  } catch {
    return undefined;
  }
}

/** The Status kubelet writes on the error channel when the process ends (client-go turns it into the exit code). */
export function exitStatus(exitCode: number, command: readonly string[]): Status {
  if (exitCode === 0) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 } as Status;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode' as Status['reason'],
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
    code: 500,
  };
}

/** Reads the exit code back from an error-channel Status (0 for Success); undefined when it is not an exit. */
export function exitCodeOf(status: Status): number | undefined {
  if (status.status === 'Success') return 0;
  if ((status.reason as string) !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : undefined;
}

export interface StreamOptions {
  /** exec only; empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Go's strconv.ParseBool, which is how Kubernetes reads these flags. */
export function parseBool(value: string | null | undefined, name: string): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw errors.badRequest(`${name}: Invalid value: "${value}": must be true or false`);
}

/** PodExecOptions / PodAttachOptions from a query string, checked as kubelet checks them. */
export function parseStreamOptions(query: URLSearchParams, kind: 'exec' | 'attach'): StreamOptions {
  const command = kind === 'exec' ? query.getAll('command') : [];
  const stdin = parseBool(query.get('stdin'), 'stdin');
  const stdout = parseBool(query.get('stdout'), 'stdout');
  let stderr = parseBool(query.get('stderr'), 'stderr');
  const tty = parseBool(query.get('tty'), 'tty');
  if (kind === 'exec' && command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  if (!stdin && !stdout && !stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  // With a terminal, stderr is part of the terminal's output (kubelet drops the stderr stream too).
  if (tty) stderr = false;
  return { command, stdin, stdout, stderr, tty };
}

/** Query string for the agent (kubelet's parameter names and "1" for true). */
export function streamQuery(options: StreamOptions): URLSearchParams {
  const q = new URLSearchParams();
  for (const c of options.command) q.append('command', c);
  if (options.stdin) q.set('stdin', '1');
  if (options.stdout) q.set('stdout', '1');
  if (options.stderr) q.set('stderr', '1');
  if (options.tty) q.set('tty', '1');
  return q;
}

/** A Status body for an HTTP error answer (before any upgrade). */
export function statusBody(err: unknown): { code: number; body: string } {
  const apiError = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  const status = apiError.toStatus();
  return { code: status.code, body: JSON.stringify(status) };
}

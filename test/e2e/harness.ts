import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { ApiClient } from '../../src/client/api-client.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES, PODS, SECRETS, SERVICES, type ResourceType } from '../../src/client/resources.js';

import { freePort } from '../fixtures/registry.js';

export { freePort };

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StratusServer {
  dir: string;
  kubeconfig: string;
  url: string;
  /** An admin client (our own) for setting up and checking state. */
  client: ApiClient;
  /** Runs the real kubectl against this server with its own discovery cache. */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** Like kubectl() but throws (with stderr) unless it exits 0; returns stdout. */
  kubectlOk(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** Starts kubectl without waiting (for `get -w`); kill it when done. */
  kubectlSpawn(args: string[]): ChildProcess;
  /** The server's stderr so far (structured logs), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}


/** Runs a command to completion, feeding `input` on stdin. */
export function run(command: string, args: string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Starts `node bin/stratus.js server` as a child process on a free port in a temp dir, waits for /readyz,
 * and hands back helpers to drive it with the real kubectl. One per test file keeps the suite fast.
 */
export async function startStratusServer(): Promise<StratusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-e2e-'));
  const port = await freePort();
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/stratus.js'), 'server', '--data-dir', dir, '--port', String(port), '--log-level', 'info'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { logs = (logs + d).slice(-200_000); });
  child.stdout!.resume();
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; });

  const stop = async (): Promise<void> => {
    client?.close();
    if (exited === undefined) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  let client: ApiClient | undefined;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`stratus server exited with ${exited} before it was ready:\n${logs.slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`stratus server was not ready within 30 s:\n${logs.slice(-4000)}`);
    }
    if (!client && existsSync(kubeconfig)) client = ApiClient.fromKubeconfig(kubeconfig, { timeoutMs: 2000 });
    if (client) {
      try {
        const body = await client.request<string>('GET', '/readyz');
        if (String(body).trim() === 'ok') break;
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const kubectlArgs = (args: string[]): string[] => ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kcache'), ...args];
  const kubectl = (args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> =>
    run(KUBECTL, kubectlArgs(args), { ...options, env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig } });
  const readyClient = client!;
  return {
    dir, kubeconfig, url: readyClient.config.server, client: readyClient,
    kubectl,
    async kubectlOk(args, options) {
      const result = await kubectl(args, options);
      if (result.code !== 0) {
        throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      }
      return result.stdout;
    },
    kubectlSpawn(args) {
      return spawn(KUBECTL, kubectlArgs(args), { env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    logs: () => logs,
    stop,
  };
}

/** Splits `kubectl get` table output into header names and rows of cells (columns separated by 2+ spaces). */
export function parseTable(output: string): { headers: string[]; rows: string[][] } {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const split = (line: string): string[] => line.trim().split(/\s{2,}/);
  return { headers: lines[0] ? split(lines[0]) : [], rows: lines.slice(1).map(split) };
}

/** Polls until `check` is truthy. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FIXTURE_REFS: Record<string, ResourceType> = {
  Namespace: NAMESPACES, ConfigMap: CONFIGMAPS, Secret: SECRETS, Deployment: DEPLOYMENTS, Service: SERVICES, Pod: PODS,
};

/** Creates every document of a manifest through our own client, so a test's fixtures do not depend on kubectl apply. */
export async function createFixtures(client: ApiClient, manifest: string): Promise<void> {
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as KubeObject | null;
    if (!obj) continue;
    const ref = FIXTURE_REFS[obj.kind];
    if (!ref) throw new Error(`createFixtures: no resource for kind ${obj.kind}`);
    await client.create(ref, obj);
  }
}

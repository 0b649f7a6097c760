import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../src/client/api-client.js';

import { freePort } from '../test/fixtures/registry.js';

export { freePort };

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');


export interface ServerProcess {
  dir: string;
  child: ChildProcess;
  client: ApiClient;
  kubeconfig: string;
  /** Resident memory of the server process in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/** Starts `stratus server` as a child process in a temp dir and waits until it answers. */
export async function startServerProcess(extraArgs: string[] = []): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bin', 'stratus.js'), 'server', '--data-dir', dir, '--port', String(port), '--log-level', 'warn', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const kubeconfig = join(dir, 'admin.kubeconfig');
  const deadline = Date.now() + 30_000;
  let client: ApiClient | undefined;
  while (Date.now() < deadline) {
    if (existsSync(kubeconfig)) {
      client = ApiClient.fromKubeconfig(kubeconfig);
      try {
        await client.list({ group: '', version: 'v1', plural: 'namespaces' });
        break;
      } catch {
        client.close();
        client = undefined;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!client) {
    child.kill('SIGKILL');
    throw new Error('stratus server did not become ready in 30 s');
  }
  return {
    dir, child, client, kubeconfig,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop() {
      client!.close();
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  }));
}

export function table(rows: Array<Array<string | number>>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((cell, c) => String(cell).padEnd(widths[c]!)).join('   ')).join('\n');
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../src/controlplane/control-plane.js';

export interface TestCluster {
  plane: ControlPlane;
  dir: string;
  close(): Promise<void>;
}

/** A real control plane (SQLite store, HTTPS API server) on a free port in a temp dir; removed on close. */
export async function startTestCluster(options: { controllers?: boolean } & Partial<Omit<ControlPlaneOptions, 'dataDir' | 'logger'>> = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-test-'));
  const logger = pino({ level: process.env.STRATUS_TEST_LOG ?? 'silent' });
  try {
    const plane = await startControlPlane({ port: 0, ...options, dataDir: dir, logger, controllers: options.controllers ?? false });
    return {
      plane, dir,
      async close() {
        await plane.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

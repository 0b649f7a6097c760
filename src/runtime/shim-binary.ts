// Locates (and on first use compiles) the C per-container monitor, src/runtime/shim/stratus-shim.c.
import { execFile } from 'node:child_process';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// This file is dist/src/runtime/shim-binary.js when built; the repo root is three levels up.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHIM_SOURCE = join(repoRoot, 'src', 'runtime', 'shim', 'stratus-shim.c');
export const SHIM_BINARY = join(repoRoot, 'dist', 'runtime-shim', 'stratus-shim');

export class ShimBuildError extends Error {
  override readonly name = 'ShimBuildError';
}

let building: Promise<string> | undefined;

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Returns the path of an up-to-date shim binary, compiling it with `cc` if it is missing or stale. */
export function ensureShimBinary(): Promise<string> {
  building ??= (async () => {
    const [bin, src] = await Promise.all([mtime(SHIM_BINARY), mtime(SHIM_SOURCE)]);
    if (bin !== undefined && (src === undefined || bin >= src)) return SHIM_BINARY;
    if (src === undefined) throw new ShimBuildError(`shim source ${SHIM_SOURCE} is missing; reinstall the package`);
    await mkdir(dirname(SHIM_BINARY), { recursive: true });
    const tmp = `${SHIM_BINARY}.${process.pid}.tmp`;
    try {
      await run('cc', ['-O2', '-o', tmp, SHIM_SOURCE]);
    } catch (err) {
      throw new ShimBuildError(
        `could not compile ${SHIM_SOURCE} (${(err as Error).message.trim()}); install a C compiler (apt-get install gcc) or run scripts/build-shim.sh`,
      );
    }
    await rename(tmp, SHIM_BINARY);
    return SHIM_BINARY;
  })();
  building.catch(() => (building = undefined));
  return building;
}

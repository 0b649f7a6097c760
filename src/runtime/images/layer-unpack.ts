/**
 * Unpack one layer (tar, optionally gzip) into a directory that overlayfs can use as a lower layer.
 *
 * OCI whiteouts become what overlayfs understands without extended attributes:
 * - `dir/.wh.name` → a 0:0 character device `dir/name` in the layer itself;
 * - `dir/.wh..wh..opq` (opaque dir) → a 0:0 character device `dir` in a separate "shim" directory that the
 *   mount places right under this layer: the lookup of `dir` finds the real directory in this layer, goes one
 *   layer down, meets the whiteout and stops, so nothing from older layers shows through.
 * - an opaque root (`.wh..wh..opq` at the top) is reported as `rootOpaque`: older layers are left out of the mount.
 */
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, open, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import * as tar from 'tar';
import { ImageError } from './errors.js';

export interface UnpackedLayer {
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: string;
  whiteouts: number;
  /** Opaque directories, relative to the layer root (without the root itself). */
  opaqueDirs: string[];
  rootOpaque: boolean;
  /** Entries skipped because they cannot be unpacked here (device nodes, unsafe paths). */
  skipped: string[];
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** Compression of a blob, from its first bytes (more reliable than media types: docker save layers are plain tar). */
export async function detectCompression(file: string): Promise<'gzip' | 'zstd' | 'none'> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

/** Normalise a tar entry path to `a/b/c` (no leading `./` or `/`); undefined if it escapes the root. */
function cleanEntryPath(entryPath: string): string | undefined {
  const normal = path.posix.normalize(`/${entryPath}`).slice(1).replace(/\/+$/, '');
  if (normal.startsWith('..')) return undefined;
  return normal;
}

/**
 * Unpack `blobFile` into `fsDir` (created) and write opaque-dir shims into `shimDir` (created only if needed).
 * Verifies the uncompressed digest against `expectedDiffId` when given.
 */
export async function unpackLayer(blobFile: string, fsDir: string, shimDir: string, expectedDiffId?: string): Promise<UnpackedLayer> {
  const compression = await detectCompression(blobFile);
  if (compression === 'zstd') {
    throw new ImageError('UnsupportedManifest', 'zstd-compressed layers are not supported yet; push the image with gzip layers');
  }
  await mkdir(fsDir, { recursive: true });
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const skipped: string[] = [];
  let rootOpaque = false;
  // The kernel applies the process umask when tar creates files, and chown clears set-id bits: entries with
  // group/other write or set-id/sticky bits get their exact mode back after extraction.
  const modeFixes: Array<{ rel: string; mode: number }> = [];

  const hash = createHash('sha256');
  const hasher = new Transform({ transform(chunk: Buffer, _enc, done) { hash.update(chunk); done(null, chunk); } });
  const unpack = new tar.Unpack({
    cwd: fsDir,
    chmod: true,
    processUmask: 0,
    preserveOwner: true,
    maxDepth: Infinity,
    maxDecompressionRatio: Infinity,
    onwarn: (_code, message) => { skipped.push(message); },
    filter: (entryPath, entry) => {
      const clean = cleanEntryPath(entryPath);
      if (clean === undefined) { skipped.push(entryPath); return false; }
      const base = path.posix.basename(clean);
      if (!base.startsWith(WHITEOUT_PREFIX)) {
        const { type, mode } = entry as tar.ReadEntry;
        if ((type === 'File' || type === 'OldFile' || type === 'Directory') && mode !== undefined && (mode & 0o7022) !== 0) {
          modeFixes.push({ rel: clean, mode: mode & 0o7777 });
        }
        return true;
      }
      const dir = path.posix.dirname(clean);
      if (base === OPAQUE_MARKER) {
        if (dir === '.' || dir === '') rootOpaque = true;
        else opaqueDirs.push(dir);
      } else {
        const name = base.slice(WHITEOUT_PREFIX.length);
        whiteouts.push(dir === '.' ? name : `${dir}/${name}`);
      }
      return false;
    },
  });

  const source: Readable = createReadStream(blobFile);
  const decoded = compression === 'gzip' ? source.pipe(createGunzip()) : source;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => { reject(err); };
    source.on('error', fail);
    decoded.on('error', (err) => fail(new ImageError('DigestMismatch', `layer is not a valid gzip stream: ${err.message}`)));
    hasher.on('error', fail);
    unpack.on('error', fail);
    unpack.on('close', () => resolve());
    decoded.pipe(hasher).pipe(unpack);
  });

  const diffId = `sha256:${hash.digest('hex')}`;
  if (expectedDiffId && diffId !== expectedDiffId) {
    throw new ImageError('DigestMismatch', `digest mismatch: the uncompressed layer hashes to ${diffId}, the image config says ${expectedDiffId}`);
  }

  for (const fix of modeFixes) {
    const target = fix.rel === '' ? fsDir : await safeTarget(fsDir, fix.rel, false);
    const st = target ? await lstat(target).catch(() => undefined) : undefined;
    if (target && st && !st.isSymbolicLink()) await chmod(target, fix.mode);
  }

  const whiteoutPaths: string[] = [];
  for (const rel of whiteouts) {
    const target = await safeTarget(fsDir, rel);
    if (!target) { skipped.push(`.wh. ${rel}`); continue; }
    await rm(target, { recursive: true, force: true });
    whiteoutPaths.push(target);
  }
  await makeWhiteouts(whiteoutPaths);

  if (opaqueDirs.length > 0) {
    const shimPaths: string[] = [];
    for (const rel of opaqueDirs) {
      await mkdir(path.join(fsDir, rel), { recursive: true });
      const target = await safeTarget(shimDir, rel);
      if (target) shimPaths.push(target);
    }
    await makeWhiteouts(shimPaths);
  }
  return { diffId, whiteouts: whiteoutPaths.length, opaqueDirs, rootOpaque, skipped };
}

/** `root/rel` with every parent created as a real directory; undefined if a parent is a symlink or a file. */
async function safeTarget(root: string, rel: string, create = true): Promise<string | undefined> {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  let dir = root;
  await mkdir(root, { recursive: true });
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    try {
      const st = await lstat(dir);
      if (!st.isDirectory()) return undefined;
    } catch {
      if (!create) return undefined;
      await mkdir(dir, { mode: 0o755 });
    }
  }
  return path.join(dir, parts[parts.length - 1] ?? '');
}

/** `mknod PATH c 0 0` for each path, in batches through one shell per batch. */
async function makeWhiteouts(paths: string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 500) {
    const batch = paths.slice(i, i + 500);
    await run('sh', ['-c', 'for p do mknod "$p" c 0 0 || exit 1; done', 'sh', ...batch]);
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ImageError('MountFailed', `${command} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

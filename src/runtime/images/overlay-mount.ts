/** overlayfs mounts for container root filesystems, and reading /proc/self/mountinfo to know what is mounted. */
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ImageError } from './errors.js';

const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** Mount point → super-block options of the topmost mount there, from /proc/self/mountinfo. */
async function mountTable(): Promise<Map<string, string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const point = fields[4];
    const dash = fields.indexOf('-');
    if (point) table.set(unescape(point), dash > 0 ? unescape(fields[dash + 3] ?? '') : '');
  }
  return table;
}

/** Mount points currently listed in /proc/self/mountinfo (octal escapes decoded). */
export async function mountPoints(): Promise<Set<string>> {
  return new Set((await mountTable()).keys());
}

/** The super-block options of the mount at `dir` (e.g. `rw,lowerdir=…,upperdir=…`), or undefined if none. */
export async function mountOptions(dir: string): Promise<string | undefined> {
  return (await mountTable()).get(path.resolve(dir));
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountPoints()).has(path.resolve(dir));
}

export interface OverlaySpec {
  /** Lower directories, topmost first. */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  target: string;
}

/**
 * Mount an overlay. Lower dirs are passed relative to their common parent (as the mount's working directory)
 * so that images with many layers stay inside the one-page limit of mount options.
 */
export async function mountOverlay(spec: OverlaySpec): Promise<void> {
  const { cwd, options } = overlayOptions(spec);
  await run('mount', ['-t', 'overlay', 'overlay', '-o', options, path.resolve(spec.target)], cwd);
}

/** True if `target` has an overlay mounted with exactly these layers (not a stale mount from an older state). */
export async function isOverlayMounted(spec: OverlaySpec): Promise<boolean> {
  const current = await mountOptions(spec.target);
  if (current === undefined) return false;
  const wanted = overlayOptions(spec).options.split(',');
  const have = new Set(current.split(','));
  return wanted.every((o) => have.has(o));
}

/** The mount(2) data for `spec`: lower dirs relative to `cwd`, which must be the working directory at mount time. */
export function overlayOptions(spec: OverlaySpec): { cwd: string; options: string } {
  const all = [...spec.lowerDirs, spec.upperDir, spec.workDir].map((p) => path.resolve(p));
  for (const p of all) {
    if (/[,:\s]/.test(p)) throw new ImageError('MountFailed', `cannot mount overlay: path "${p}" contains a comma, colon or space`);
  }
  const cwd = commonParent(spec.lowerDirs.map((p) => path.resolve(p)));
  const lower = spec.lowerDirs.map((p) => path.relative(cwd, path.resolve(p)) || '.').join(':');
  return { cwd, options: `lowerdir=${lower},upperdir=${path.resolve(spec.upperDir)},workdir=${path.resolve(spec.workDir)}` };
}

/** Unmount `target` if it is mounted; a busy mount is detached lazily so nothing stays mounted. */
export async function unmount(target: string): Promise<void> {
  const dir = path.resolve(target);
  if (!(await isMountPoint(dir))) return;
  try {
    await run('umount', [dir]);
  } catch {
    await run('umount', ['-l', dir]);
  }
  if (await isMountPoint(dir)) await unmount(dir); // stacked mounts: peel them all
}

function commonParent(paths: string[]): string {
  if (paths.length === 0) return '/';
  let parts = path.dirname(paths[0] ?? '/').split('/');
  for (const p of paths.slice(1)) {
    const other = p.split('/');
    let i = 0;
    while (i < parts.length && i < other.length - 1 && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/') || '/';
}

function run(command: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => reject(new ImageError('MountFailed', `${command}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ImageError('MountFailed', `${command} ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

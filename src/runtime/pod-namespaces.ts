// Pod-wide IPC and UTS namespaces without a pause container: `unshare` creates them and bind-mounts them
// onto files, so every container of the pod can join them by path (ContainerConfig.namespaces.ipc/uts).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from './errors.js';
import { idlePriority } from './idle-priority.js';

const execFileP = promisify(execFile);

export interface PodNamespaces {
  ipc: string;
  uts: string;
}

/**
 * Creates (or returns the existing) pod namespaces in `dir`, with the UTS hostname set. With `netnsPath` (e.g.
 * /run/netns/<name>, a file in a directory `ip netns` has prepared) the pod's network namespace is made by the
 * same `unshare` run, loopback up: one process from the agent instead of three (each spawn from the agent costs
 * ≈ 1.5–3 ms of its main thread and ≈ 10 ms of wall time on a busy 2-core node).
 */
export async function createPodNamespaces(dir: string, hostname?: string, netnsPath?: string, options: { lowPriority?: boolean } = {}): Promise<PodNamespaces> {
  const ns = { ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
  const mounts = await nsMounts();
  const wantNet = netnsPath !== undefined && !mounts.has(netnsPath);
  if (mounts.has(ns.ipc) && mounts.has(ns.uts)) {
    if (wantNet) await createNetnsAt(netnsPath);
    return ns;
  }
  await removePodNamespaces(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(ns.ipc, '');
  await writeFile(ns.uts, '');
  if (wantNet) await writeFile(netnsPath, '');
  // `hostname` and `ip link set lo up` from inside the new namespaces.
  const script = [hostname ? 'hostname "$1"' : 'true', ...(wantNet ? ['ip link set lo up'] : [])].join(' && ');
  try {
    const args = [`--ipc=${ns.ipc}`, `--uts=${ns.uts}`, ...(wantNet ? [`--net=${netnsPath}`] : []), 'sh', '-c', script, 'sh', hostname ?? ''];
    // Pre-made sandboxes run at idle priority.
    const argv = options.lowPriority ? idlePriority(['unshare', ...args]) : ['unshare', ...args];
    await execFileP(argv[0]!, argv.slice(1));
  } catch (err) {
    await removePodNamespaces(dir);
    if (wantNet) await removeNsFile(netnsPath);
    throw new RuntimeError('RuncFailed', `could not create pod namespaces in ${dir}: ${(err as Error).message}`);
  }
  return ns;
}

async function createNetnsAt(path: string): Promise<void> {
  await writeFile(path, '');
  try {
    await execFileP('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await removeNsFile(path);
    throw new RuntimeError('RuncFailed', `could not create network namespace ${path}: ${(err as Error).message}`);
  }
}

async function removeNsFile(path: string): Promise<void> {
  if ((await nsMounts()).has(path)) await execFileP('umount', ['-l', path]).catch(() => undefined);
  await rm(path, { force: true });
}

/** Whether `dir` is a mount point with shared propagation (what `ip netns add` makes of /run/netns). */
export async function isSharedMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return mounts.split('\n').some((line) => {
    const f = line.split(' ');
    return f[4] === dir && f.slice(6, f.indexOf('-')).some((o) => o.startsWith('shared:'));
  });
}

/** Unmounts and deletes the pod namespaces in `dir`. Idempotent. */
export async function removePodNamespaces(dir: string): Promise<void> {
  for (const name of ['ipc', 'uts']) {
    const path = join(dir, name);
    if (await isNsMount(path)) await execFileP('umount', ['-l', path]).catch(() => undefined);
    await rm(path, { force: true });
  }
}

async function isNsMount(path: string): Promise<boolean> {
  return (await nsMounts()).has(path);
}

async function nsMounts(): Promise<Set<string>> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return new Set(mounts.split('\n').map((line) => line.split(' ')[4] ?? ''));
}

// Pod-wide IPC and UTS namespaces without a pause container: `unshare` creates them and bind-mounts them
// onto files, so every container of the pod can join them by path (ContainerConfig.namespaces.ipc/uts).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from './errors.js';

const execFileP = promisify(execFile);

export interface PodNamespaces {
  ipc: string;
  uts: string;
}

/** Creates (or returns the existing) pod namespaces in `dir`, with the UTS hostname set. */
export async function createPodNamespaces(dir: string, hostname?: string): Promise<PodNamespaces> {
  const ns = { ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
  if (await isNsMount(ns.ipc) && await isNsMount(ns.uts)) return ns;
  await removePodNamespaces(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(ns.ipc, '');
  await writeFile(ns.uts, '');
  // `hostname` from inside the new UTS namespace; /bin/true-like when no hostname is wanted.
  const cmd = hostname ? ['hostname', hostname] : ['true'];
  try {
    await execFileP('unshare', [`--ipc=${ns.ipc}`, `--uts=${ns.uts}`, ...cmd]);
  } catch (err) {
    await removePodNamespaces(dir);
    throw new RuntimeError('RuncFailed', `could not create pod namespaces in ${dir}: ${(err as Error).message}`);
  }
  return ns;
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
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return mounts.split('\n').some((line) => line.split(' ')[4] === path);
}

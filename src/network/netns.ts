// Named network namespaces (`ip netns`), bind-mounted at /run/netns/<name> so they outlive their processes.
import { access, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, tryRun } from './command.js';
import { idlePriority } from '../runtime/idle-priority.js';

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return join(NETNS_DIR, name);
}

export async function netnsExists(name: string): Promise<boolean> {
  try {
    await access(netnsPath(name));
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the namespace (with its loopback up) unless it exists; returns its path. Once `ip netns` has made
 * NETNS_DIR a shared mount point, one `unshare --net=<file> ip link set lo up` does both steps (one process).
 */
export async function createNetns(name: string, options: { lowPriority?: boolean } = {}): Promise<string> {
  const path = netnsPath(name);
  if (!(await netnsExists(name)) && (await isSharedMountPoint(NETNS_DIR))) {
    await writeFile(path, '');
    try {
      const args = [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up'];
      const argv = options.lowPriority ? idlePriority(['unshare', ...args]) : ['unshare', ...args];
      await run(argv[0]!, argv.slice(1));
      return path;
    } catch (err) {
      await tryRun('umount', ['-l', path]); // mounted already when only the `ip` step failed
      await rm(path, { force: true }).catch(() => undefined);
      throw err;
    }
  }
  if (!(await netnsExists(name))) await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return path;
}

async function isSharedMountPoint(dir: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return mounts.split('\n').some((line) => {
    const f = line.split(' ');
    return f[4] === dir && f.slice(6, f.indexOf('-')).some((o) => o.startsWith('shared:'));
  });
}

/** Removes the namespace (its veth ends die with it). Idempotent. */
export async function deleteNetns(name: string): Promise<void> {
  if (await netnsExists(name)) await tryRun('ip', ['netns', 'delete', name]);
}

export async function listNetns(prefix = ''): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

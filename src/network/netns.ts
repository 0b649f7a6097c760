// Named network namespaces (`ip netns`), bind-mounted at /run/netns/<name> so they outlive their processes.
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, tryRun } from './command.js';

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

/** Creates the namespace (with its loopback up) unless it exists; returns its path. */
export async function createNetns(name: string): Promise<string> {
  if (!(await netnsExists(name))) {
    await run('ip', ['netns', 'add', name]);
  }
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
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

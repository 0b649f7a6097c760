// Test fixture: a runtime root, a busybox rootfs and a cgroup parent, all removed by cleanup().
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerRuntime } from '../../src/runtime/runtime.js';
import type { ContainerConfig } from '../../src/runtime/container-config.js';
import { makeBusyboxRootfs, tempDir, testCgroupParent } from './busybox-rootfs.js';

export interface RuntimeFixture {
  dir: string;
  rootfs: string;
  runtime: ContainerRuntime;
  cgroupParent: string;
  config(args: string[], extra?: Partial<ContainerConfig>): ContainerConfig;
  logPath(id: string): string;
  cleanup(): Promise<void>;
}

export function makeRuntimeFixture(name: string): RuntimeFixture {
  const dir = tempDir(`stratus-${name}`);
  const rootfs = makeBusyboxRootfs(dir);
  const runtime = new ContainerRuntime({ root: join(dir, 'node') });
  const cgroupParent = testCgroupParent();
  let n = 0;
  return {
    dir,
    rootfs,
    runtime,
    cgroupParent,
    config: (args, extra = {}) => ({ args, rootfs, cgroupsPath: `${cgroupParent}/c${++n}`, ...extra }),
    logPath: (id) => join(dir, 'logs', `${id}.log`),
    async cleanup() {
      for (const c of await runtime.list()) await runtime.remove(c.id).catch(() => undefined);
      await runtime.removeCgroup(cgroupParent);
      removeEmptyTestCgroupRoot();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** rmdir (not recursive) of /stratus-test in each controller: fails harmlessly while another run uses it. */
function removeEmptyTestCgroupRoot(): void {
  for (const c of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', c, 'stratus-test'));
    } catch {
      // absent or still in use
    }
  }
}

/** Containers runc still knows under a runc root. */
export function runcList(runcRoot: string): string[] {
  const out = execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

// Test helper: a throw-away busybox-static root filesystem and a unique runtime root.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function busyboxPath(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    try {
      execFileSync(p, ['true']);
      return p;
    } catch {
      // try the next
    }
  }
  throw new Error('busybox not found: apt-get install busybox-static');
}

/** Creates DIR/rootfs with busybox and its applet links; returns its path. */
export function makeBusyboxRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'www']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(busyboxPath(), join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(busyboxPath(), ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'www', 'index.html'), 'hello from stratus\n');
  return rootfs;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** A cgroup parent unique to this test run, e.g. /stratus-test/<rand>. */
export function testCgroupParent(): string {
  return `/stratus-test/${Math.random().toString(36).slice(2, 10)}`;
}

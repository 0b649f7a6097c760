// What a real agent needs on the machine; each missing piece comes with the command that fixes it.
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { promisify } from 'node:util';
import { DEFAULT_CNI_BIN_DIR } from '../network/cni.js';

const execFileP = promisify(execFile);

export interface Prerequisite {
  ok: boolean;
  what: string;
  fix: string;
}

async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    await execFileP(cmd, args, { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function checkPrerequisites(options: { runcPath?: string; cniBinDir?: string } = {}): Promise<Prerequisite[]> {
  const cni = options.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const executable = (p: string) => access(p, constants.X_OK).then(() => true, () => false);
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  return [
    { ok: process.getuid?.() === 0, what: 'running as root', fix: 'run the agent as root (sudo stratus agent …): it creates containers, mounts and network namespaces' },
    { ok: await runs(options.runcPath ?? 'runc', ['--version']), what: 'runc', fix: 'apt-get install runc' },
    { ok: (await executable(`${cni}/bridge`)) && (await executable(`${cni}/host-local`)), what: `CNI plugins in ${cni}`, fix: 'apt-get install containernetworking-plugins' },
    { ok: await runs('ip', ['-V']), what: 'ip (iproute2)', fix: 'apt-get install iproute2' },
    { ok: await runs('iptables', ['--version']), what: 'iptables', fix: 'apt-get install iptables' },
    { ok: await runs('unshare', ['--version']), what: 'unshare (util-linux)', fix: 'apt-get install util-linux' },
    { ok: await runs('chrt', ['--version']), what: 'chrt (util-linux), for idle-priority sandbox refills', fix: 'apt-get install util-linux' },
    { ok: await runs('cc', ['--version']), what: 'a C compiler for the container shim', fix: 'apt-get install gcc' },
    { ok: /\toverlay$/m.test(filesystems), what: 'overlayfs in the kernel', fix: 'modprobe overlay' },
  ];
}

/** A message listing what is missing and how to install it, or undefined when all is there. */
export function prerequisiteReport(checks: Prerequisite[]): string | undefined {
  const missing = checks.filter((c) => !c.ok);
  if (missing.length === 0) return undefined;
  const lines = missing.map((c) => `  - ${c.what}: ${c.fix}`);
  const apt = missing.map((c) => /^apt-get install (.+)$/.exec(c.fix)?.[1]).filter(Boolean);
  if (apt.length) lines.push('', `  In one go: apt-get update && apt-get install -y ${apt.join(' ')}`);
  return `The node agent cannot run on this machine yet:\n${lines.join('\n')}\n`;
}

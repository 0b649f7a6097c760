// Runs host networking commands (ip, iptables) and reports failures as NetworkError.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NetworkError } from './errors.js';

const execFileP = promisify(execFile);

export async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new NetworkError('CommandFailed', `${cmd} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Like run, but a failure is returned as undefined (for idempotent clean-up). */
export async function tryRun(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    return await run(cmd, args);
  } catch {
    return undefined;
  }
}

import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LOG_LEVELS, type LogLevel } from './logging.js';

export const DEFAULT_DATA_DIR = join(homedir(), '.stratus');

/** Options shared by the commands that run a control plane. */
export interface ControlPlaneFlags {
  dataDir: string;
  port: number;
  bind: string;
  logLevel: LogLevel;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  }
  return port;
}

export function addControlPlaneFlags(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'where state, certificates and the admin kubeconfig live', DEFAULT_DATA_DIR)
    .option('--port <port>', 'HTTPS port of the API server (0 picks a free one)', parsePort, 6443)
    .option('--bind <address>', 'address the API server listens on', '127.0.0.1')
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr as JSON)').choices(LOG_LEVELS).default('info'));
}

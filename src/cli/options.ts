import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Logger } from 'pino';
import type { ControlPlaneOptions } from '../controlplane/control-plane.js';
import { LOG_LEVELS, type LogLevel } from './logging.js';

export const DEFAULT_DATA_DIR = join(homedir(), '.stratus');

/** Options shared by the commands that run a control plane. */
export interface ControlPlaneFlags {
  dataDir: string;
  port: number;
  bind: string;
  logLevel: LogLevel;
  scheduler: boolean;
  controllers: boolean;
  nodeMonitorGracePeriod: number;
  defaultTolerationSeconds: number;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError('expected a number of seconds (0 or more)');
  return seconds;
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
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr as JSON)').choices(LOG_LEVELS).default('info'))
    .option('--no-scheduler', 'do not run the scheduler (another scheduler will place pods)')
    .option('--no-controllers', 'run only the API server: no scheduler, no controllers')
    .option('--node-monitor-grace-period <seconds>', 'seconds without a node heartbeat before the node is marked Unknown and tainted', parseSeconds, 20)
    .option('--default-toleration-seconds <seconds>', 'how long pods tolerate a not-ready/unreachable node before eviction (added to every pod)', parseSeconds, 5);
}

/** The control plane settings the flags ask for. */
export function controlPlaneOptions(flags: ControlPlaneFlags, logger: Logger): ControlPlaneOptions {
  return {
    dataDir: flags.dataDir, host: flags.bind, port: flags.port, logger,
    controllers: flags.controllers, scheduler: flags.scheduler && flags.controllers,
    nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod,
    defaultTolerationSeconds: flags.defaultTolerationSeconds,
  };
}

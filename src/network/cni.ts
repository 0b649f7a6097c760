// Executes CNI plugins the way the spec describes (https://www.cni.dev/docs/spec/): the network config on
// stdin, the CNI_* parameters in the environment, a result or an error object on stdout.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NetworkError } from './errors.js';
import { PORTMAP_LOCK } from './portmap-chains.js';
import { idlePriority } from '../runtime/idle-priority.js';

export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

export interface CniIpConfig {
  address: string; // CIDR notation, e.g. 10.244.1.5/24
  gateway?: string;
  interface?: number;
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

/** One plugin's configuration inside a conflist (type plus plugin-specific keys). */
export type CniPluginConfig = { type: string } & Record<string, unknown>;

export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConfig[];
}

export interface CniRuntimeParams {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS, e.g. K8S_POD_NAMESPACE=…;K8S_POD_NAME=… */
  args?: Record<string, string>;
  /** Values for plugins' `capabilities` (runtimeConfig), e.g. portMappings. */
  runtimeConfig?: Record<string, unknown>;
  /** Run the plugins at idle priority (background work that must not slow down pod starts). */
  lowPriority?: boolean;
}

export async function execPlugin(
  binDir: string,
  command: CniCommand,
  netConf: Record<string, unknown>,
  params: CniRuntimeParams,
): Promise<CniResult | undefined> {
  const type = String(netConf.type);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: params.containerId,
    CNI_NETNS: params.netns,
    CNI_IFNAME: params.ifName,
    CNI_PATH: binDir,
  };
  if (params.args && Object.keys(params.args).length) {
    // IgnoreUnknown=1: plugins otherwise reject keys they do not know (as containerd and CRI-O do).
    env.CNI_ARGS = ['IgnoreUnknown=1', ...Object.entries(params.args).map(([k, v]) => `${k}=${v}`)].join(';');
  }
  // portmap edits host-wide chains that removeIdlePortmapChains may be removing: both hold the same lock.
  const plugin = type === 'portmap' ? ['flock', PORTMAP_LOCK, join(binDir, type)] : [join(binDir, type)];
  const argv = params.lowPriority ? idlePriority(plugin) : plugin;
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(JSON.stringify(netConf));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new NetworkError('CniFailed', `CNI plugin ${type} could not run (${err.message}); install containernetworking-plugins`)),
    );
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    let message = stderr.trim() || stdout.trim();
    let cniCode: number | undefined;
    try {
      const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
      cniCode = e.code;
      message = [e.msg, e.details].filter(Boolean).join(': ') || message;
    } catch {
      // not a CNI error object
    }
    throw new NetworkError('CniFailed', `CNI ${command} with plugin ${type} failed: ${message}`, cniCode);
  }
  if (command === 'ADD' && stdout.trim()) return JSON.parse(stdout) as CniResult;
  return undefined;
}

/** The plugin config for one step of a chain: name/cniVersion of the list, prevResult, runtimeConfig. */
function pluginConf(list: CniNetworkList, plugin: CniPluginConfig, prevResult: CniResult | undefined, params: CniRuntimeParams) {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult) conf.prevResult = prevResult;
  const caps = plugin.capabilities as Record<string, boolean> | undefined;
  if (caps && params.runtimeConfig) {
    const rc: Record<string, unknown> = {};
    for (const [k, enabled] of Object.entries(caps)) if (enabled && k in params.runtimeConfig) rc[k] = params.runtimeConfig[k];
    if (Object.keys(rc).length) conf.runtimeConfig = rc;
  }
  return conf;
}

/** ADD through the chain in order; each plugin gets the previous result. */
export async function addNetworkList(binDir: string, list: CniNetworkList, params: CniRuntimeParams): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const plugin of list.plugins) {
    result = (await execPlugin(binDir, 'ADD', pluginConf(list, plugin, result, params), params)) ?? result;
  }
  if (!result) throw new NetworkError('CniFailed', `CNI ADD of ${list.name} returned no result`);
  return result;
}

/** DEL through the chain in reverse; meant to be idempotent (plugins ignore what is already gone). */
export async function delNetworkList(binDir: string, list: CniNetworkList, params: CniRuntimeParams, prevResult?: CniResult): Promise<void> {
  for (const plugin of [...list.plugins].reverse()) {
    await execPlugin(binDir, 'DEL', pluginConf(list, plugin, prevResult, params), params);
  }
}

export async function checkNetworkList(binDir: string, list: CniNetworkList, params: CniRuntimeParams, prevResult: CniResult): Promise<void> {
  for (const plugin of list.plugins) {
    await execPlugin(binDir, 'CHECK', pluginConf(list, plugin, prevResult, params), params);
  }
}

import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { AgentPrerequisiteError, DEFAULT_SANDBOX_POOL_SIZE, NodeAgent } from '../agent/agent.js';
import { HollowAgent } from '../agent/hollow/hollow-agent.js';
import { checkPrerequisites, prerequisiteReport } from '../agent/prerequisites.js';
import { createLogger, LOG_LEVELS, type LogLevel } from './logging.js';
import { runUntilSignal } from './run-until-signal.js';

export interface AgentFlags {
  kubeconfig: string;
  nodeName: string;
  root?: string;
  podCidr?: string;
  nodeIp?: string;
  clusterDns: string[];
  clusterDomain: string;
  resolvConf: string;
  insecureRegistry: string[];
  maxPods: number;
  agentPort: number;
  heartbeatInterval?: number;
  sandboxPool: number;
  favorDynmods: boolean;
  hollow?: boolean;
  count?: number;
  logLevel: LogLevel;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 or more)');
  return n;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds above 0');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The default state directory of a node: one per node name, so several agents can share a machine. */
export function defaultAgentRoot(nodeName: string): string {
  return `/var/lib/stratus/agent/${nodeName}`;
}

/** `stratus agent`: the node agent (our kubelet), or hollow nodes for control-plane tests. */
export function agentCommand(): Command {
  return new Command('agent')
    .description('run a node agent: registers this machine as a Node and runs the pods bound to it with runc')
    .requiredOption('--kubeconfig <file>', 'kubeconfig to reach the API server')
    .option('--node-name <name>', 'name of the Node to register', hostname().toLowerCase())
    .option('--root <dir>', 'state directory of this node (default /var/lib/stratus/agent/<node-name>)')
    .option('--pod-cidr <cidr>', "this node's pod range (default: node.spec.podCIDR, else a free /24 of 10.244.0.0/16)")
    .option('--node-ip <address>', 'InternalIP to report (default: the first non-loopback IPv4 address)')
    .option('--cluster-dns <ip>', 'DNS server for ClusterFirst pods (repeatable); without it pods use the host resolv.conf', collect, [])
    .option('--cluster-domain <domain>', 'cluster DNS domain', 'cluster.local')
    .option('--resolv-conf <file>', 'resolver file for dnsPolicy Default pods', '/etc/resolv.conf')
    .option('--insecure-registry <host>', 'registry reachable over plain HTTP (repeatable; loopback ones always are)', collect, [])
    .option('--max-pods <n>', 'pods this node accepts', positiveInt, 110)
    .option('--agent-port <port>', 'HTTPS port of the agent endpoint for logs/exec/port-forward/stats (0 picks a free one)', port, 10250)
    .option('--heartbeat-interval <seconds>', "how often the node renews its Lease (default 10); keep it well below the control plane's --node-monitor-grace-period", positiveSeconds)
    .option('--sandbox-pool <n>', 'pod sandboxes (netns with an address, IPC/UTS namespaces) kept ready for fast pod starts; 0 turns the pool off', wholeNumber, DEFAULT_SANDBOX_POOL_SIZE)
    .option('--no-favor-dynmods', "leave the kernel's cgroup favordynmods mode off (it saves ≈ 10 ms per container start; machine-wide)")
    .option('--hollow', 'fake nodes without runc (kubemark-style), for control-plane tests')
    .option('--count <n>', 'with --hollow: register N nodes named <node-name>-0 … <node-name>-(N-1)', positiveInt)
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr as JSON)').choices(LOG_LEVELS).default('info'))
    .action(async (flags: AgentFlags) => {
      const logger = createLogger(flags.logLevel);
      if (!flags.hollow) {
        // What the machine lacks comes first: it is the thing to fix before anything else matters.
        const report = prerequisiteReport(await checkPrerequisites());
        if (report) {
          await new Promise<void>((resolve) => process.stderr.write(report, () => resolve()));
          process.exit(1);
        }
      }
      const client = ApiClient.fromKubeconfig(flags.kubeconfig, { userAgent: `stratus-agent/${flags.nodeName}` });
      if (flags.hollow) {
        const hollow = new HollowAgent({ client, name: flags.nodeName, ...(flags.count ? { count: flags.count } : {}), pods: flags.maxPods, logger });
        await hollow.start();
        process.stdout.write(`hollow node agent running: ${hollow.nodeNames().length} node(s)\n`);
        await runUntilSignal(logger, async () => { await hollow.stop(); client.close(); });
        return;
      }
      const agent = new NodeAgent({
        client,
        nodeName: flags.nodeName,
        root: flags.root ?? defaultAgentRoot(flags.nodeName),
        logger,
        ...(flags.podCidr ? { podCidr: flags.podCidr } : {}),
        ...(flags.nodeIp ? { nodeIP: flags.nodeIp } : {}),
        clusterDns: flags.clusterDns,
        clusterDomain: flags.clusterDomain,
        hostResolvConf: flags.resolvConf,
        insecureRegistries: flags.insecureRegistry,
        maxPods: flags.maxPods,
        agentPort: flags.agentPort,
        sandboxPoolSize: flags.sandboxPool,
        cgroupFavorDynmods: flags.favorDynmods,
        ...(flags.heartbeatInterval ? { leaseIntervalMs: flags.heartbeatInterval * 1000 } : {}),
      });
      try {
        await agent.start();
      } catch (err) {
        if (err instanceof AgentPrerequisiteError) {
          client.close();
          await new Promise<void>((resolve) => process.stderr.write(err.message, () => resolve()));
          process.exit(1);
        }
        throw err;
      }
      process.stdout.write(`node agent ${flags.nodeName} is running (pod range ${agent.podCidr}, node IP ${agent.hostIP})\n`);
      await runUntilSignal(logger, async () => { await agent.stop(); client.close(); });
    });
}

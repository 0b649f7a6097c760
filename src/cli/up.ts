import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { AgentPrerequisiteError, NodeAgent } from '../agent/agent.js';
import { ApiClient } from '../client/api-client.js';
import { startControlPlane } from '../controlplane/control-plane.js';
import { readyBanner } from './banner.js';
import { createLogger } from './logging.js';
import { addControlPlaneFlags, controlPlaneOptions, type ControlPlaneFlags } from './options.js';
import { runUntilSignal } from './run-until-signal.js';

/**
 * `stratus up`: an all-in-one cluster on this machine: the control plane and a node agent for this machine
 * (a client of the API server through the admin kubeconfig).
 */
export function upCommand(): Command {
  return addControlPlaneFlags(new Command('up'))
    .description('run an all-in-one cluster on this machine (control plane and a node agent)')
    .action(async (flags: ControlPlaneFlags) => {
      const logger = createLogger(flags.logLevel);
      const plane = await startControlPlane(controlPlaneOptions(flags, logger));
      const stops: Array<() => Promise<void>> = [() => plane.close()];

      // Node agent for this machine, as an API client through the kubeconfig like a separate process would be.
      const agentClient = ApiClient.fromKubeconfig(plane.kubeconfigPath, { userAgent: 'stratus-agent' });
      const nodeName = hostname().toLowerCase();
      // Port 0: the API server finds the endpoint through the Node's daemonEndpoints, so any free port does.
      const agent = new NodeAgent({ client: agentClient, nodeName, root: join(flags.dataDir, 'agent', nodeName), logger, agentPort: 0 });
      try {
        await agent.start();
        stops.push(async () => { await agent.stop(); agentClient.close(); });
      } catch (err) {
        agentClient.close();
        if (!(err instanceof AgentPrerequisiteError)) throw err;
        process.stderr.write(`${err.message}Continuing with the control plane only (no node to run pods).\n`);
      }

      process.stdout.write(readyBanner('Stratus', plane.url, plane.kubeconfigPath));
      await runUntilSignal(logger, async () => {
        for (const stop of stops.reverse()) await stop();
      });
    });
}

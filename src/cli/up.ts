import { Command } from 'commander';
import { startControlPlane } from '../controlplane/control-plane.js';
import { readyBanner } from './banner.js';
import { createLogger } from './logging.js';
import { addControlPlaneFlags, type ControlPlaneFlags } from './options.js';
import { runUntilSignal } from './run-until-signal.js';

/**
 * `stratus up`: an all-in-one cluster on this machine. Today that is the control plane; the node agent
 * (src/agent/) joins here once it exists, as a client of the API server through its own kubeconfig.
 */
export function upCommand(): Command {
  return addControlPlaneFlags(new Command('up'))
    .description('run an all-in-one cluster on this machine (control plane, and a node agent once available)')
    .action(async (flags: ControlPlaneFlags) => {
      const logger = createLogger(flags.logLevel);
      const plane = await startControlPlane({ dataDir: flags.dataDir, host: flags.bind, port: flags.port, logger });
      const stops: Array<() => Promise<void>> = [() => plane.close()];

      // Node agent: start it here with a client built from a node kubeconfig in flags.dataDir, and push its
      // stop function onto `stops` (before the control plane's, so it stops first).

      process.stdout.write(readyBanner('Stratus', plane.url, plane.kubeconfigPath));
      await runUntilSignal(logger, async () => {
        for (const stop of stops.reverse()) await stop();
      });
    });
}

import { Command } from 'commander';
import { startControlPlane } from '../controlplane/control-plane.js';
import { readyBanner } from './banner.js';
import { createLogger } from './logging.js';
import { addControlPlaneFlags, controlPlaneOptions, type ControlPlaneFlags } from './options.js';
import { runUntilSignal } from './run-until-signal.js';

/** `stratus server`: the control plane alone (API server, store, controllers). */
export function serverCommand(): Command {
  return addControlPlaneFlags(new Command('server'))
    .description('run the control plane: API server, embedded store, scheduler and built-in controllers')
    .action(async (flags: ControlPlaneFlags) => {
      const logger = createLogger(flags.logLevel);
      const plane = await startControlPlane(controlPlaneOptions(flags, logger));
      process.stdout.write(readyBanner('Stratus control plane', plane.url, plane.kubeconfigPath));
      await runUntilSignal(logger, () => plane.close());
    });
}

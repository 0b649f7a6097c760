import type { Logger } from 'pino';

/** Keeps the process alive until SIGINT/SIGTERM, then runs `shutdown` once; a second signal exits at once. */
export function runUntilSignal(logger: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      shutdown().then(
        () => resolve(),
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, 'shutdown failed');
          resolve();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

import type { Logger } from 'pino';
import type { ApiClient } from '../client/api-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { NamespaceController } from '../controllers/namespace.js';

/** Something the controller manager runs: started once, stopped on shutdown. */
export interface ManagedController {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControllerManager {
  stop(): Promise<void>;
}

/**
 * Starts the built-in controllers (kube-controller-manager's role) as API clients sharing one informer factory.
 * Add new controllers to the list below.
 */
export async function startControllerManager(client: ApiClient, logger: Logger): Promise<ControllerManager> {
  const factory = new InformerFactory(client, logger);
  const controllers: ManagedController[] = [
    new NamespaceController({ client, logger, factory }),
    new GarbageCollector({ client, logger, factory }),
  ];
  for (const controller of controllers) await controller.start();
  return {
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await factory.stop();
    },
  };
}

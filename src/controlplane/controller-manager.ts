import type { Logger } from 'pino';
import type { ApiClient } from '../client/api-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { NamespaceController } from '../controllers/namespace.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { ReplicaSetController } from '../controllers/replicaset.js';
import { DeploymentController } from '../controllers/deployment/deployment-controller.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle.js';
import { JobController } from '../controllers/job/job-controller.js';
import { HorizontalPodAutoscalerController } from '../controllers/hpa/hpa-controller.js';

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
 * Controllers start in the background: each waits for its own caches, so one slow or failing resource never
 * holds up the API server or the other controllers. Add new controllers to the list below.
 */
export interface ControllerManagerOptions {
  /** Run the scheduler (kube-scheduler's role) beside the controllers; default true. */
  scheduler?: boolean;
  /** Grace period of the node lifecycle controller (seconds without a heartbeat before a node is Unknown). */
  nodeMonitorGracePeriodSeconds?: number;
  /** How often each HorizontalPodAutoscaler is evaluated; default 15 s. */
  hpaSyncPeriodMs?: number;
}

export function startControllerManager(client: ApiClient, logger: Logger, options: ControllerManagerOptions = {}): ControllerManager {
  const factory = new InformerFactory(client, logger);
  const controllers: Array<{ name: string; controller: ManagedController }> = [
    { name: 'namespace', controller: new NamespaceController({ client, logger, factory }) },
    { name: 'garbage-collector', controller: new GarbageCollector({ client, logger, factory }) },
    { name: 'replicaset', controller: new ReplicaSetController({ client, logger, factory }) },
    { name: 'deployment', controller: new DeploymentController({ client, logger, factory }) },
    { name: 'node-lifecycle', controller: new NodeLifecycleController({ client, logger, factory, gracePeriodMs: (options.nodeMonitorGracePeriodSeconds ?? 20) * 1000 }) },
    { name: 'job', controller: new JobController({ client, logger, factory }) },
    { name: 'horizontal-pod-autoscaler', controller: new HorizontalPodAutoscalerController({ client, logger, factory, syncPeriodMs: options.hpaSyncPeriodMs }) },
  ];
  if (options.scheduler ?? true) controllers.push({ name: 'scheduler', controller: new Scheduler({ client, logger, factory }) });
  const starts = controllers.map(({ name, controller }) => controller.start().catch((err: unknown) => {
    logger.error({ controller: name, err: (err as Error).message }, 'controller failed to start');
  }));
  return {
    async stop() {
      await Promise.all(controllers.map(({ controller }) => controller.stop()));
      await factory.stop();
      await Promise.all(starts);
    },
  };
}

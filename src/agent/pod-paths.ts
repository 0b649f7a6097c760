// Where a pod's files live on the node, under the agent root:
//   pods/<uid>/pod.json                 namespace/name/uid (lets a restarted agent find leftovers)
//   pods/<uid>/etc/{hosts,hostname,resolv.conf}
//   pods/<uid>/ns/{ipc,uts}             pod-wide namespaces (bind mounts)
//   pool/<id>/{ipc,uts}                 namespaces of a pre-made sandbox (moved to pods/<uid>/ns when claimed)
//   pods/<uid>/volumes/<name>           emptyDir, configMap, secret, downwardAPI volumes
//   pods/<uid>/containers/<name>/termination-log-<attempt>
//   logs/<namespace>_<pod>_<uid>/<container>/<attempt>.log   CRI-format logs (kubelet's /var/log/pods shape)
import { join } from 'node:path';

export class PodPaths {
  constructor(readonly root: string) {}

  get podsDir(): string {
    return join(this.root, 'pods');
  }

  podDir(uid: string): string {
    return join(this.podsDir, uid);
  }

  podRecord(uid: string): string {
    return join(this.podDir(uid), 'pod.json');
  }

  etcDir(uid: string): string {
    return join(this.podDir(uid), 'etc');
  }

  namespacesDir(uid: string): string {
    return join(this.podDir(uid), 'ns');
  }

  volumesDir(uid: string): string {
    return join(this.podDir(uid), 'volumes');
  }

  volumeDir(uid: string, volume: string): string {
    return join(this.volumesDir(uid), volume);
  }

  terminationLog(uid: string, container: string, attempt: number): string {
    return join(this.podDir(uid), 'containers', container, `termination-log-${attempt}`);
  }

  get logsDir(): string {
    return join(this.root, 'logs');
  }

  podLogDir(namespace: string, name: string, uid: string): string {
    return join(this.logsDir, `${namespace}_${name}_${uid}`);
  }

  containerLog(namespace: string, name: string, uid: string, container: string, attempt: number): string {
    return join(this.podLogDir(namespace, name, uid), container, `${attempt}.log`);
  }

  get runtimeDir(): string {
    return join(this.root, 'runtime');
  }

  get imagesRoot(): string {
    return this.root;
  }

  get poolDir(): string {
    return join(this.root, 'pool');
  }

  poolNamespacesDir(poolId: string): string {
    return join(this.poolDir, poolId);
  }

  get networkDir(): string {
    return join(this.root, 'network');
  }
}

/**
 * Defaults for a PodSpec, shared by Pods and every pod template (Deployment, ReplicaSet, Job): k/k
 * pkg/apis/core/v1/defaults.go SetDefaults_PodSpec, _Container, _Probe, _HTTPGetAction, _Volume, … .
 * Pod-only admission defaults (tolerations, service account, priority, status) live in pod.ts.
 */
import type { Container, PodSpec, Probe, LifecycleHandler, Volume, EnvVar } from 'kubernetes-types/core/v1.js';

/** Always for ":latest" or no tag, IfNotPresent for any other tag or a digest (k/k SetDefaults_Container). */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'Always';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon === -1 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHandler(handler: LifecycleHandler | undefined): void {
  if (handler?.httpGet) {
    handler.httpGet.path ||= '/';
    handler.httpGet.scheme ||= 'HTTP';
  }
}

export function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  defaultHandler(probe as LifecycleHandler);
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
  }
}

export function defaultContainer(container: Container, hostNetwork: boolean): void {
  container.terminationMessagePath ||= '/dev/termination-log';
  container.terminationMessagePolicy ||= 'File';
  container.imagePullPolicy ||= defaultImagePullPolicy(container.image);
  container.resources ??= {};
  for (const port of container.ports ?? []) {
    port.protocol ||= 'TCP';
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
  defaultEnv(container.env);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  defaultHandler(container.lifecycle?.postStart);
  defaultHandler(container.lifecycle?.preStop);
}

const volumeSources = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image', 'iscsi',
  'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO',
  'secret', 'storageos', 'vsphereVolume',
] as const;

export function defaultVolume(volume: Volume): void {
  const v = volume as Record<string, unknown> & Volume;
  if (!volumeSources.some((source) => v[source] !== undefined)) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= 0o644;
  if (v.configMap) v.configMap.defaultMode ??= 0o644;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 0o644;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) v.projected.defaultMode ??= 0o644;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** Fill a PodSpec's defaults in place. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

// Pod container → neutral ContainerConfig for the runtime: argv, env, user, mounts, resources, security.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/quantity.js';
import type { ContainerConfig, ContainerMount, ContainerUser, SharedNamespaces } from '../runtime/container-config.js';
import type { ImageRunConfig } from '../runtime/images/image-info.js';
import type { EtcFiles } from './etc-files.js';
import { ContainerConfigError } from './object-source.js';
import { mountSource, type PreparedVolume } from './volumes.js';

export interface ContainerSpecInput {
  pod: Pod;
  container: Container;
  image: ImageRunConfig;
  args: string[];
  env: string[];
  rootfs: string;
  volumes: Map<string, PreparedVolume>;
  etc: EtcFiles;
  /** Host file the container's terminationMessagePath is bound to. */
  terminationLog: string;
  namespaces: SharedNamespaces;
  cgroupsPath: string;
  labels: Record<string, string>;
  /** pids.max per container; undefined for no limit. */
  pidsLimit?: number;
}

export function milliCpu(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseQuantity(value).milliValue();
}

export function bytesOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseQuantity(value).value();
}

async function lookupName(rootfs: string, file: 'passwd' | 'group', name: string): Promise<{ id: number; gid?: number } | undefined> {
  const text = await readFile(join(rootfs, 'etc', file), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts[0] === name && parts[2] !== undefined) {
      return { id: Number(parts[2]), ...(file === 'passwd' && parts[3] !== undefined ? { gid: Number(parts[3]) } : {}) };
    }
  }
  return undefined;
}

/** The image's USER ("uid", "name", "uid:gid", "name:group") resolved against the rootfs. */
export async function imageUser(rootfs: string, user: string): Promise<{ uid: number; gid?: number }> {
  if (!user) return { uid: 0 };
  const [u, g] = user.split(':');
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u!)) {
    uid = Number(u);
  } else {
    const found = await lookupName(rootfs, 'passwd', u!);
    if (!found) throw new ContainerConfigError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = found.id;
    gid = found.gid;
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const found = await lookupName(rootfs, 'group', g);
      if (!found) throw new ContainerConfigError(`unable to find group ${g}: no matching entries in group file`);
      gid = found.id;
    }
  }
  return gid === undefined ? { uid } : { uid, gid };
}

export async function buildContainerConfig(input: ContainerSpecInput): Promise<ContainerConfig> {
  const { pod, container } = input;
  const podSc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};

  const fromImage = await imageUser(input.rootfs, input.image.user);
  const explicitUid = sc.runAsUser ?? podSc.runAsUser;
  const explicitGid = sc.runAsGroup ?? podSc.runAsGroup;
  const uid = explicitUid ?? fromImage.uid;
  const gid = explicitGid ?? (explicitUid === undefined || explicitUid === fromImage.uid ? fromImage.gid ?? 0 : 0);
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) && uid === 0) {
    throw new ContainerConfigError('container has runAsNonRoot and image will run as root');
  }
  const additionalGids = [...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  const user: ContainerUser = { uid, gid, ...(additionalGids.length ? { additionalGids } : {}) };

  const mounts: ContainerMount[] = [];
  const destinations = new Set<string>();
  for (const vm of container.volumeMounts ?? []) {
    const volume = input.volumes.get(vm.name);
    if (!volume) throw new ContainerConfigError(`volumeMount "${vm.name}" names no volume of the pod`);
    mounts.push({ source: await mountSource(volume, vm.subPath), destination: vm.mountPath, readOnly: volume.readOnly || !!vm.readOnly });
    destinations.add(vm.mountPath);
  }
  const etc: Array<[string, string]> = [['/etc/hosts', input.etc.hosts], ['/etc/hostname', input.etc.hostname], ['/etc/resolv.conf', input.etc.resolvConf]];
  for (const [dest, source] of etc) if (!destinations.has(dest)) mounts.push({ source, destination: dest });
  const termPath = container.terminationMessagePath || '/dev/termination-log';
  if (!destinations.has(termPath)) mounts.push({ source: input.terminationLog, destination: termPath });

  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const resources: ContainerConfig['resources'] = {};
  const cpuReq = milliCpu(requests.cpu);
  const cpuLim = milliCpu(limits.cpu);
  const memLim = bytesOf(limits.memory);
  if (cpuReq !== undefined) resources.cpuRequestMilli = cpuReq;
  if (cpuLim !== undefined) resources.cpuLimitMilli = cpuLim;
  if (memLim !== undefined) resources.memoryLimitBytes = memLim;
  if (input.pidsLimit) resources.pidsLimit = input.pidsLimit;

  const privileged = sc.privileged ?? false;
  const sysctls: Record<string, string> = {};
  for (const s of podSc.sysctls ?? []) sysctls[s.name] = s.value;

  const config: ContainerConfig = {
    args: input.args,
    env: input.env,
    cwd: container.workingDir || input.image.workingDir || '/',
    user,
    rootfs: input.rootfs,
    readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
    mounts,
    namespaces: input.namespaces,
    resources,
    capabilities: { add: sc.capabilities?.add ?? [], drop: sc.capabilities?.drop ?? [] },
    privileged,
    noNewPrivileges: privileged ? false : sc.allowPrivilegeEscalation === undefined ? true : !sc.allowPrivilegeEscalation,
    cgroupsPath: input.cgroupsPath,
    labels: input.labels,
    ...(Object.keys(sysctls).length ? { sysctls } : {}),
  };
  if (input.args.length === 0) throw new ContainerConfigError('no command specified: the container has no command and its image has no Entrypoint or Cmd');
  return config;
}

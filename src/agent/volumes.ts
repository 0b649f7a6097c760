// A pod's volumes on the node: emptyDir (disk, or tmpfs for medium Memory), configMap, secret, downwardAPI and
// projected (files with modes and items), hostPath. Each becomes a host path that containers bind-mount.
import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { DownwardAPIVolumeFile, KeyToPath, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/quantity.js';
import { isMountPoint } from '../runtime/images/overlay-mount.js';
import { fieldRefValue, resourceFieldValue, type FieldContext } from './env.js';
import { ContainerConfigError, configMapBytes, secretBytes, type ObjectSource } from './object-source.js';
import type { PodPaths } from './pod-paths.js';

const execFileP = promisify(execFile);

export interface PreparedVolume {
  hostPath: string;
  /** configMap/secret/downwardAPI/projected volumes are always mounted read-only. */
  readOnly: boolean;
}

interface FileEntry {
  path: string;
  data: Buffer;
  mode: number;
}

function checkRelative(path: string): string {
  const n = normalize(path);
  if (n.startsWith('..') || n.startsWith('/')) throw new ContainerConfigError(`volume item path "${path}" must be relative and must not contain ".."`);
  return n;
}

function itemsFrom(source: { items?: KeyToPath[]; defaultMode?: number }, keys: string[], read: (key: string) => Buffer | undefined, what: string, optional: boolean | undefined): FileEntry[] {
  const mode = source.defaultMode ?? 0o644;
  if (source.items?.length) {
    const out: FileEntry[] = [];
    for (const item of source.items) {
      const data = read(item.key);
      if (data === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${item.key} in ${what}`);
      }
      out.push({ path: checkRelative(item.path), data, mode: item.mode ?? mode });
    }
    return out;
  }
  return keys.map((key) => ({ path: key, data: read(key)!, mode }));
}

async function configMapFiles(ns: string, src: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }, objects: ObjectSource): Promise<FileEntry[]> {
  const cm = await objects.configMap(ns, src.name ?? '');
  if (!cm) {
    if (src.optional) return [];
    throw new ContainerConfigError(`configmap "${src.name}" not found`, 'FailedMount');
  }
  const keys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
  return itemsFrom(src, keys, (k) => configMapBytes(cm, k), `ConfigMap ${ns}/${src.name}`, src.optional);
}

async function secretFiles(ns: string, src: { secretName?: string; name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean }, objects: ObjectSource): Promise<FileEntry[]> {
  const name = src.secretName ?? src.name ?? '';
  const secret = await objects.secret(ns, name);
  if (!secret) {
    if (src.optional) return [];
    throw new ContainerConfigError(`secret "${name}" not found`, 'FailedMount');
  }
  const keys = Object.keys({ ...secret.data, ...secret.stringData });
  return itemsFrom(src, keys, (k) => secretBytes(secret, k), `Secret ${ns}/${name}`, src.optional);
}

function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number | undefined, ctx: FieldContext): FileEntry[] {
  return items.map((item) => {
    let text: string;
    if (item.fieldRef) {
      const path = item.fieldRef.fieldPath;
      if (path === 'metadata.labels' || path === 'metadata.annotations') {
        const map = (path === 'metadata.labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
        text = Object.keys(map).sort().map((k) => `${k}=${JSON.stringify(map[k])}`).join('\n');
      } else {
        text = fieldRefValue(pod, path, ctx);
      }
    } else if (item.resourceFieldRef) {
      const c = pod.spec?.containers.find((x) => x.name === item.resourceFieldRef!.containerName) ?? pod.spec!.containers[0]!;
      text = resourceFieldValue(c, item.resourceFieldRef.resource, item.resourceFieldRef.divisor, ctx);
    } else {
      text = '';
    }
    return { path: checkRelative(item.path), data: Buffer.from(text), mode: item.mode ?? defaultMode ?? 0o644 };
  });
}

/** Writes exactly `files` under dir (removing others), with their modes; group-owned by fsGroup when set. */
async function writeFiles(dir: string, files: FileEntry[], fsGroup: number | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const wanted = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const existing of await readdir(dir)) if (!wanted.has(existing)) await rm(join(dir, existing), { recursive: true, force: true });
  for (const f of files) {
    const target = join(dir, f.path);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, f.data, { mode: f.mode });
    await chmod(tmp, f.mode); // writeFile's mode is masked by the umask
    if (fsGroup !== undefined) await chown(tmp, 0, fsGroup);
    await rename(tmp, target);
  }
}

async function prepareHostPath(path: string, type: string | undefined): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  switch (type ?? '') {
    case '': return;
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a directory`, 'FailedMount');
      return;
    case 'Directory':
      if (!info?.isDirectory()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a directory`, 'FailedMount');
      return;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!info.isFile()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a file`, 'FailedMount');
      return;
    case 'File':
      if (!info?.isFile()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a file`, 'FailedMount');
      return;
    case 'Socket':
      if (!info?.isSocket()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a socket file`, 'FailedMount');
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a character device`, 'FailedMount');
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a block device`, 'FailedMount');
      return;
    default:
      throw new ContainerConfigError(`hostPath type "${type}" is not supported`, 'FailedMount');
  }
}

async function mountTmpfs(dir: string, sizeLimit: string | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (await isMountPoint(dir)) return;
  const opts = ['mode=1777'];
  if (sizeLimit) opts.push(`size=${parseQuantity(sizeLimit).value()}`);
  await execFileP('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
}

/** Prepares every volume of the pod (idempotent; configMap/secret contents are rewritten each call). */
export async function prepareVolumes(pod: Pod, paths: PodPaths, objects: ObjectSource, ctx: FieldContext): Promise<Map<string, PreparedVolume>> {
  const uid = pod.metadata!.uid!;
  const ns = pod.metadata?.namespace ?? 'default';
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) out.set(v.name, await prepareVolume(pod, v, uid, ns, paths, objects, ctx, fsGroup));
  return out;
}

async function prepareVolume(pod: Pod, v: Volume, uid: string, ns: string, paths: PodPaths, objects: ObjectSource, ctx: FieldContext, fsGroup: number | undefined): Promise<PreparedVolume> {
  const dir = paths.volumeDir(uid, v.name);
  if (v.hostPath) {
    await prepareHostPath(v.hostPath.path, v.hostPath.type);
    return { hostPath: v.hostPath.path, readOnly: false };
  }
  if (v.emptyDir) {
    if (v.emptyDir.medium === 'Memory') await mountTmpfs(dir, v.emptyDir.sizeLimit);
    else await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    if (fsGroup !== undefined) await chown(dir, 0, fsGroup);
    return { hostPath: dir, readOnly: false };
  }
  if (v.configMap) {
    await writeFiles(dir, await configMapFiles(ns, v.configMap, objects), fsGroup);
    return { hostPath: dir, readOnly: true };
  }
  if (v.secret) {
    await writeFiles(dir, await secretFiles(ns, v.secret, objects), fsGroup);
    return { hostPath: dir, readOnly: true };
  }
  if (v.downwardAPI) {
    await writeFiles(dir, downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode, ctx), fsGroup);
    return { hostPath: dir, readOnly: true };
  }
  if (v.projected) {
    const files: FileEntry[] = [];
    const defaultMode = v.projected.defaultMode;
    for (const source of v.projected.sources ?? []) {
      if (source.configMap) files.push(...await configMapFiles(ns, { ...source.configMap, ...(defaultMode !== undefined ? { defaultMode } : {}) }, objects));
      else if (source.secret) files.push(...await secretFiles(ns, { ...source.secret, ...(defaultMode !== undefined ? { defaultMode } : {}) }, objects));
      else if (source.downwardAPI) files.push(...downwardFiles(pod, source.downwardAPI.items ?? [], defaultMode, ctx));
      // serviceAccountToken and clusterTrustBundle sources are not supported yet: they are skipped.
    }
    await writeFiles(dir, files, fsGroup);
    return { hostPath: dir, readOnly: true };
  }
  throw new ContainerConfigError(`volume "${v.name}": only emptyDir, configMap, secret, downwardAPI, projected and hostPath volumes are supported on this node`, 'FailedMount');
}

/** The host path of a volumeMount (with subPath, created for writable volumes). */
export async function mountSource(volume: PreparedVolume, subPath: string | undefined): Promise<string> {
  if (!subPath) return volume.hostPath;
  const target = join(volume.hostPath, checkRelative(subPath));
  if (!volume.readOnly && !(await lstat(target).catch(() => undefined))) await mkdir(target, { recursive: true });
  return target;
}

/** Unmounts tmpfs volumes and deletes the pod's volume directories (never hostPath targets). */
export async function removeVolumes(uid: string, paths: PodPaths): Promise<void> {
  const root = paths.volumesDir(uid);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, name);
    if (await isMountPoint(dir)) await execFileP('umount', ['-l', dir]).catch(() => undefined);
  }
  await rm(root, { recursive: true, force: true });
}

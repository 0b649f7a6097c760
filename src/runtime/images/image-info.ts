/** What the store knows about an image, as records on disk and as the `ImageInfo` callers see. */
import type { Descriptor, ImageConfig } from './media-types.js';
import { canonicalReference, familiarRepository, type ImageReference } from './reference.js';

/** The runnable part of the image config, with Docker's names. */
export interface ImageRunConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  /** e.g. `8080/tcp`. */
  exposedPorts: string[];
  labels: Record<string, string>;
  stopSignal?: string;
  volumes: string[];
}

export interface LayerInfo {
  digest: string;
  size: number;
  mediaType: string;
}

export interface ImageInfo {
  /** Fully qualified reference it is stored under: `127.0.0.1:5000/app:v1`, `docker.io/library/busybox:1.36`. */
  reference: string;
  /** Repository as people write it: `busybox`, `127.0.0.1:5000/app`. */
  repository: string;
  /** Tag, or undefined for an image stored by digest only. */
  tag?: string;
  /** Digest of the platform image manifest. */
  digest: string;
  /** Digest the reference resolved to when it named an index / manifest list. */
  indexDigest?: string;
  /** `repository@digest` as a kubelet reports `imageID` (the index digest when there was one). */
  repoDigest: string;
  /** The image ID: digest of its config. */
  id: string;
  /** Sum of the (compressed) layer sizes. */
  size: number;
  layers: LayerInfo[];
  os: string;
  architecture: string;
  created?: string;
  config: ImageRunConfig;
  /** When it was pulled or imported (ISO time). */
  storedAt: string;
}

/** One file under `refs/` per stored reference. */
export interface ImageRecord {
  version: 1;
  reference: string;
  registry: string;
  repositoryPath: string;
  tag?: string;
  digest: string;
  indexDigest?: string;
  configDigest: string;
  manifestMediaType: string;
  layers: LayerInfo[];
  /** Digests of the uncompressed layers, in the same order. */
  diffIds: string[];
  os: string;
  architecture: string;
  created?: string;
  config: ImageRunConfig;
  storedAt: string;
}

export function runConfigOf(config: ImageConfig): ImageRunConfig {
  const c = config.config ?? {};
  const run: ImageRunConfig = {
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir ?? '',
    user: c.User ?? '',
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    labels: c.Labels ?? {},
    volumes: Object.keys(c.Volumes ?? {}),
  };
  if (c.StopSignal) run.stopSignal = c.StopSignal;
  return run;
}

export function layerInfo(d: Descriptor): LayerInfo {
  return { digest: d.digest, size: d.size, mediaType: d.mediaType };
}

/** The record as seen through `ref`: asked for by digest, it is reported under that digest without a tag. */
export function infoOf(record: ImageRecord, ref: ImageReference): ImageInfo {
  const repository = familiarRepository(ref);
  const byDigest = ref.digest !== undefined;
  const info: ImageInfo = {
    reference: byDigest ? canonicalReference({ registry: ref.registry, repository: ref.repository, digest: ref.digest }) : record.reference,
    repository,
    digest: record.digest,
    repoDigest: `${repository}@${record.indexDigest ?? record.digest}`,
    id: record.configDigest,
    size: record.layers.reduce((sum, l) => sum + l.size, 0),
    layers: record.layers,
    os: record.os,
    architecture: record.architecture,
    config: record.config,
    storedAt: record.storedAt,
  };
  if (record.tag !== undefined && !byDigest) info.tag = record.tag;
  if (record.indexDigest !== undefined) info.indexDigest = record.indexDigest;
  if (record.created !== undefined) info.created = record.created;
  return info;
}

/** OCI and Docker v2 media types and the JSON shapes of manifests, indexes and image configs. */

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Every manifest type we can read, for the `Accept` header (a registry serves OCI only if asked). */
export const ACCEPT_MANIFESTS = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The part of the image config (OCI image-spec `config` / Docker `container_config`) that runs a container. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<Record<string, unknown>>;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/** Layers that only exist for Windows and are fetched from elsewhere; never part of a Linux rootfs. */
export function isForeignLayer(mediaType: string): boolean {
  return mediaType === MediaType.dockerForeignLayerGzip || mediaType.includes('.foreign.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDescriptor(value: unknown): value is Descriptor {
  return isRecord(value) && typeof value.digest === 'string' && typeof value.size === 'number' && typeof value.mediaType === 'string';
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'unsupported'; mediaType: string; why: string };

/**
 * Classify a manifest body. The `Content-Type` the registry sent wins; the body's own `mediaType`
 * and shape decide otherwise (OCI allows omitting `mediaType`).
 */
export function parseManifest(body: Buffer, contentType?: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'unsupported', mediaType: contentType ?? 'unknown', why: 'the manifest is not valid JSON' };
  }
  if (!isRecord(json)) return { kind: 'unsupported', mediaType: contentType ?? 'unknown', why: 'the manifest is not a JSON object' };
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  const mediaType = header && header !== 'application/json' && header !== 'text/plain' ? header : declared;
  if (json.schemaVersion === 1 || mediaType === MediaType.dockerSchema1 || mediaType === MediaType.dockerSchema1Signed) {
    return { kind: 'unsupported', mediaType: mediaType ?? MediaType.dockerSchema1, why: 'Docker schema 1 manifests are deprecated and not supported; push the image again with a current client' };
  }
  if (isIndexMediaType(mediaType) || (mediaType === undefined && Array.isArray(json.manifests))) {
    if (!Array.isArray(json.manifests) || !json.manifests.every(isDescriptor)) {
      return { kind: 'unsupported', mediaType: mediaType ?? MediaType.ociIndex, why: 'the image index has malformed entries' };
    }
    return { kind: 'index', mediaType: mediaType ?? MediaType.ociIndex, index: json as unknown as ImageIndex };
  }
  if (isManifestMediaType(mediaType) || (mediaType === undefined && isRecord(json.config))) {
    if (!isDescriptor(json.config) || !Array.isArray(json.layers) || !json.layers.every(isDescriptor)) {
      return { kind: 'unsupported', mediaType: mediaType ?? MediaType.ociManifest, why: 'the manifest has a malformed config or layer list' };
    }
    return { kind: 'manifest', mediaType: mediaType ?? MediaType.ociManifest, manifest: json as unknown as ImageManifest };
  }
  return { kind: 'unsupported', mediaType: mediaType ?? 'unknown', why: `media type "${mediaType ?? 'unknown'}" is not an image manifest` };
}

export function parseImageConfig(body: Buffer): ImageConfig | undefined {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (!isRecord(json) || !isRecord(json.rootfs) || !Array.isArray(json.rootfs.diff_ids)) return undefined;
    return json as unknown as ImageConfig;
  } catch {
    return undefined;
  }
}

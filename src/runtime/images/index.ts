/** The image layer of the runtime: registry client, image store, overlay root filesystems. */
export { ImageStore, type ImageStoreOptions, type PullOptions, type PullPolicy, type ImportOptions, type Rootfs } from './image-store.js';
export type { ImageInfo, ImageRunConfig, LayerInfo } from './image-info.js';
export { ImageError, type ImageErrorCode, type KubernetesImageReason } from './errors.js';
export {
  parseReference, canonicalReference, familiarReference, familiarRepository, repositoryName, defaultPullPolicy,
  type ImageReference,
} from './reference.js';
export { RegistryClient, isLoopbackRegistry, type RegistryClientOptions, type ResolvedImage } from './registry-client.js';
export { DockerConfig, DockerConfigError } from './docker-config.js';
export type { Credentials, CredentialLookup, RegistryAuth } from './credentials.js';
export { formatProgress, formatBytes, type PullProgressEvent, type LayerPhase } from './progress.js';
export { hostPlatform, selectPlatform } from './platform.js';
export { MediaType, type Platform, type Descriptor, type ImageManifest, type ImageIndex, type ImageConfig } from './media-types.js';
export { isMountPoint } from './overlay-mount.js';

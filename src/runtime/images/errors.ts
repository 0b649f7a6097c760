/**
 * Image failures as typed values. `message` is phrased for a pod status, e.g.
 * `failed to pull image "127.0.0.1:5000/nope:1": manifest unknown`.
 */

export type ImageErrorCode =
  | 'InvalidReference'      // the name cannot be parsed
  | 'ManifestUnknown'       // registry has no such repository / tag / digest
  | 'BlobUnknown'           // registry lost a blob the manifest names
  | 'Unauthorized'          // credentials missing or rejected
  | 'Denied'                // authenticated but not allowed
  | 'ConnectionRefused'     // nothing listens at the registry address
  | 'Unreachable'           // DNS failure, reset, timeout, TLS failure
  | 'DigestMismatch'        // content does not hash to the digest that names it
  | 'UnsupportedManifest'   // schema1, unknown media type, unsupported compression
  | 'PlatformNotFound'      // an index without a manifest for our platform
  | 'RegistryError'         // any other non-success answer from the registry
  | 'NotPresent'            // pull policy Never and the image is not in the store
  | 'InvalidArchive'        // importArchive input is not an OCI layout / docker save
  | 'ImageInUse'            // remove() of an image a rootfs still uses
  | 'RootfsConflict'        // createRootfs for a container id that already has another image
  | 'MountFailed';          // overlay mount / unmount failed

/** Kubernetes container waiting reason that corresponds to an image error. */
export type KubernetesImageReason = 'ErrImagePull' | 'InvalidImageName' | 'ErrImageNeverPull';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
    /** The image reference as the user wrote it, when there is one. */
    readonly image?: string,
    /** The registry's own error text or the OS error, for logs. */
    readonly detail?: string,
  ) {
    super(message);
  }

  /** The reason a kubelet would put in `state.waiting.reason`. */
  get kubernetesReason(): KubernetesImageReason {
    if (this.code === 'InvalidReference') return 'InvalidImageName';
    if (this.code === 'NotPresent') return 'ErrImageNeverPull';
    return 'ErrImagePull';
  }
}

/** Short phrase per code, used after `failed to pull image "X": `. */
const phrases: Record<ImageErrorCode, string> = {
  InvalidReference: 'invalid image reference',
  ManifestUnknown: 'manifest unknown',
  BlobUnknown: 'blob unknown',
  Unauthorized: 'unauthorized',
  Denied: 'denied',
  ConnectionRefused: 'connection refused',
  Unreachable: 'registry unreachable',
  DigestMismatch: 'digest mismatch',
  UnsupportedManifest: 'unsupported manifest',
  PlatformNotFound: 'no matching platform',
  RegistryError: 'registry error',
  NotPresent: 'not present',
  InvalidArchive: 'invalid archive',
  ImageInUse: 'image in use',
  RootfsConflict: 'rootfs conflict',
  MountFailed: 'mount failed',
};

/** `failed to pull image "REF": PHRASE[: extra]`. */
export function pullError(code: ImageErrorCode, image: string, extra?: string, detail?: string): ImageError {
  const tail = extra ? `${phrases[code]}: ${extra}` : phrases[code];
  return new ImageError(code, `failed to pull image "${image}": ${tail}`, image, detail);
}

/** Re-label an ImageError raised deep down with the reference the user asked for. */
export function withImage(err: unknown, image: string): unknown {
  if (err instanceof ImageError && err.image === undefined) {
    const text = err.message.startsWith('failed to pull image') ? err.message : `failed to pull image "${image}": ${err.message}`;
    return new ImageError(err.code, text, image, err.detail);
  }
  return err;
}

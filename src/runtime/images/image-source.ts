/** Where an image's bytes come from while the store commits it: a registry or a local archive. */
import type { Descriptor, ImageManifest } from './media-types.js';

export interface ImageSource {
  manifestDigest: string;
  manifestMediaType: string;
  manifestBytes: Buffer;
  manifest: ImageManifest;
  /** Verified against `manifest.config.digest` by the store. */
  configBytes: Buffer;
  indexDigest?: string;
  indexBytes?: Buffer;
  /** Write the blob to `destination` (temp + rename), verifying its digest; report bytes as they arrive. */
  fetchBlob(descriptor: Descriptor, destination: string, onBytes: (n: number) => void): Promise<void>;
}

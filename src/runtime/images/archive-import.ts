/**
 * Reading images from local archives: an OCI image layout (directory or tar, e.g. `skopeo copy … oci-archive:`)
 * or a `docker save` tar (manifest.json + config + layer tars). A docker save image becomes an OCI manifest.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import * as tar from 'tar';
import { DigestVerifier, digestHex, sha256Digest } from './digest-verifier.js';
import { ImageError } from './errors.js';
import type { ImageSource } from './image-source.js';
import { detectCompression } from './layer-unpack.js';
import { MediaType, parseManifest, type Descriptor, type ImageManifest } from './media-types.js';
import { hostPlatform, selectPlatform } from './platform.js';
import { familiarReference, type ImageReference } from './reference.js';

function invalid(archive: string, why: string): ImageError {
  return new ImageError('InvalidArchive', `failed to import "${archive}": ${why}`);
}

/**
 * Open `archive` (dir or tar, possibly gzipped) and pick one image: the one named `select` (an OCI
 * `org.opencontainers.image.ref.name` or a docker save RepoTag), else the one named like `ref`, else the only one.
 * `workDir` is an empty scratch dir.
 */
export async function openArchive(archive: string, ref: ImageReference, workDir: string, select?: string): Promise<ImageSource> {
  const st = await stat(archive).catch(() => undefined);
  if (!st) throw invalid(archive, 'no such file or directory');
  let dir = archive;
  if (!st.isDirectory()) {
    dir = path.join(workDir, 'archive');
    await mkdir(dir, { recursive: true });
    try {
      await tar.x({ file: archive, cwd: dir, preserveOwner: false, strict: true });
    } catch (err) {
      throw invalid(archive, `not a tar archive (${(err as Error).message})`);
    }
  }
  if (await isFile(path.join(dir, 'index.json'))) return openOciLayout(archive, dir, ref, select);
  if (await isFile(path.join(dir, 'manifest.json'))) return openDockerSave(archive, dir, ref, select);
  throw invalid(archive, 'neither an OCI image layout (index.json) nor a docker save archive (manifest.json)');
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

async function readJson(archive: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw invalid(archive, `${path.basename(file)} is not valid JSON (${(err as Error).message})`);
  }
}

async function openOciLayout(archive: string, dir: string, ref: ImageReference, select?: string): Promise<ImageSource> {
  const blobFile = (digest: string): string => {
    const [alg] = digest.split(':');
    return path.join(dir, 'blobs', alg ?? 'sha256', digestHex(digest));
  };
  const readBlob = async (d: Descriptor): Promise<Buffer> => {
    const bytes = await readFile(blobFile(d.digest)).catch(() => undefined);
    if (!bytes) throw invalid(archive, `blob ${d.digest} is missing from the layout`);
    if (sha256Digest(bytes) !== d.digest) throw new ImageError('DigestMismatch', `digest mismatch: blob ${d.digest} in "${archive}" does not match its content`);
    return bytes;
  };

  const indexBytes = await readFile(path.join(dir, 'index.json'));
  const top = parseManifest(indexBytes, MediaType.ociIndex);
  if (top.kind !== 'index') throw invalid(archive, 'index.json is not an OCI image index');
  const candidates = top.index.manifests;
  const wanted = ref.tag ?? 'latest';
  const named = (d: Descriptor): string | undefined => d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name'];
  let chosen: Descriptor | undefined;
  if (candidates.length === 1) chosen = candidates[0];
  else {
    const names = [select, familiarReference(ref), wanted].filter((n): n is string => n !== undefined);
    chosen = names.map((n) => candidates.find((d) => named(d) === n)).find((d) => d !== undefined);
    if (!chosen && select === undefined) chosen = selectPlatform(candidates, hostPlatform());
  }
  if (!chosen) {
    const names = candidates.map((d) => named(d) ?? d.digest).join(', ');
    throw invalid(archive, `it holds ${candidates.length} images (${names}); choose one with the select option (--select NAME)`);
  }

  let indexDigest: string | undefined;
  let indexBlob: Buffer | undefined;
  let manifestDescriptor = chosen;
  const first = await readBlob(chosen);
  let parsed = parseManifest(first, chosen.mediaType);
  if (parsed.kind === 'index') {
    const inner = selectPlatform(parsed.index.manifests, hostPlatform());
    if (!inner) throw new ImageError('PlatformNotFound', `failed to import "${archive}": no manifest for this platform in the image index`);
    indexDigest = chosen.digest;
    indexBlob = first;
    manifestDescriptor = inner;
    parsed = parseManifest(await readBlob(inner), inner.mediaType);
  }
  if (parsed.kind !== 'manifest') throw invalid(archive, parsed.kind === 'unsupported' ? parsed.why : 'nested image indexes are not supported');
  const manifestBytes = await readBlob(manifestDescriptor);
  const manifest = parsed.manifest;
  const configBytes = await readBlob(manifest.config);
  const source: ImageSource = {
    manifestDigest: manifestDescriptor.digest,
    manifestMediaType: parsed.mediaType,
    manifestBytes,
    manifest,
    configBytes,
    fetchBlob: (d, destination, onBytes) => copyVerified(blobFile(d.digest), d, destination, onBytes, archive),
  };
  if (indexDigest && indexBlob) { source.indexDigest = indexDigest; source.indexBytes = indexBlob; }
  return source;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function openDockerSave(archive: string, dir: string, ref: ImageReference, select?: string): Promise<ImageSource> {
  const json = await readJson(archive, path.join(dir, 'manifest.json'));
  if (!Array.isArray(json) || json.length === 0) throw invalid(archive, 'manifest.json lists no images');
  const entries = json as DockerSaveEntry[];
  const wanted = familiarReference(ref);
  const entry = entries.length === 1 && select === undefined
    ? entries[0]
    : entries.find((e) => e.RepoTags?.some((t) => t === (select ?? wanted) || t === `docker.io/library/${select ?? wanted}`));
  if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
    const names = entries.flatMap((e) => e.RepoTags ?? []).join(', ');
    throw invalid(archive, `cannot tell which image to import (it holds ${names || 'untagged images'}); choose one with the select option (--select NAME)`);
  }
  const inside = (p: string): string => {
    const full = path.resolve(dir, p);
    if (!full.startsWith(`${dir}${path.sep}`)) throw invalid(archive, `path "${p}" leaves the archive`);
    return full;
  };
  const configBytes = await readFile(inside(entry.Config)).catch(() => undefined);
  if (!configBytes) throw invalid(archive, `config ${entry.Config} is missing`);
  const layers: Descriptor[] = [];
  const files = new Map<string, string>();
  for (const layerPath of entry.Layers) {
    const file = inside(layerPath);
    const { digest, size } = await hashFile(file).catch(() => { throw invalid(archive, `layer ${layerPath} is missing`); });
    const compression = await detectCompression(file);
    layers.push({ mediaType: compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer, digest, size });
    files.set(digest, file);
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    manifestDigest: sha256Digest(manifestBytes),
    manifestMediaType: MediaType.ociManifest,
    manifestBytes,
    manifest,
    configBytes,
    fetchBlob: (d, destination, onBytes) => copyVerified(files.get(d.digest) ?? '', d, destination, onBytes, archive),
  };
}

async function hashFile(file: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(createReadStream(file), new Transform({
    transform(chunk: Buffer, _enc, done) { hash.update(chunk); size += chunk.length; done(); },
  }));
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

async function copyVerified(from: string, d: Descriptor, destination: string, onBytes: (n: number) => void, archive: string): Promise<void> {
  const temp = `${destination}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const counter = new Transform({ transform(chunk: Buffer, _enc, done) { onBytes(chunk.length); done(null, chunk); } });
    await pipeline(createReadStream(from), new DigestVerifier(d.digest, d.size, 'blob'), counter, createWriteStream(temp));
    await rename(temp, destination);
  } catch (err) {
    await rm(temp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(archive, `blob ${d.digest} is missing`);
    throw err;
  }
}

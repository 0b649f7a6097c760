/**
 * The node's image store: pulls images (or imports archives), keeps blobs once by digest, unpacks each layer
 * once, remembers name:tag → manifest → config, and mounts container root filesystems with overlayfs.
 *
 * On disk, under `ROOT`:
 *   images/blobs/sha256/<hex>            manifests, indexes, configs, compressed layers (verified)
 *   images/layers/sha256/<hex>/fs        an unpacked layer (named by the layer blob digest)
 *   images/layers/sha256/<hex>/shim      opaque-directory whiteouts that go right under `fs` (rare)
 *   images/layers/sha256/<hex>/layer.json
 *   images/refs/<reference>.json         one record per stored reference
 *   images/tmp/                          work in progress; anything here may be deleted
 *   rootfs/<containerId>/{upper,work,merged,rootfs.json}
 * Everything is written to a temp name and renamed into place, so a kill at any moment leaves either the old
 * or the new state; a restart clears `images/tmp`.
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openArchive } from './archive-import.js';
import type { ImageSource } from './image-source.js';
import type { RegistryAuth } from './credentials.js';
import { digestHex, sha256Digest } from './digest-verifier.js';
import { ImageError, pullError, withImage } from './errors.js';
import { infoOf, layerInfo, runConfigOf, type ImageInfo, type ImageRecord } from './image-info.js';
import { unpackLayer } from './layer-unpack.js';
import { isForeignLayer, parseImageConfig, type Descriptor, type ImageConfig, type Platform } from './media-types.js';
import { isOverlayMounted, mountOverlay, unmount, type OverlaySpec } from './overlay-mount.js';
import { formatProgress, type PullProgressEvent } from './progress.js';
import { canonicalReference, displayReference, parseReference, type ImageReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { readJsonFile, writeFileAtomic } from '../state-files.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface PullOptions {
  policy?: PullPolicy;
  auth?: RegistryAuth;
  insecureRegistries?: readonly string[];
  platform?: Platform;
  onProgress?: (event: PullProgressEvent) => void;
}

export interface ImportOptions {
  /** Which image of a multi-image archive: its OCI ref name (`org.opencontainers.image.ref.name`) or docker save tag. */
  select?: string;
  onProgress?: (event: PullProgressEvent) => void;
}

export interface Rootfs {
  /** The merged directory: the container's root filesystem. */
  path: string;
  /** Unmount and delete the container's writable layer. Idempotent. */
  cleanup(): Promise<void>;
}

export interface ImageStoreOptions {
  /** The node's state directory; images go to ROOT/images, container root filesystems to ROOT/rootfs. */
  root: string;
  /** Layers downloaded at once per pull. Default 3. */
  parallelLayers?: number;
}

interface LayerMeta {
  digest: string;
  diffId: string;
  rootOpaque: boolean;
  hasShim: boolean;
}

interface RootfsMeta {
  containerId: string;
  image: string;
  digest: string;
  layers: string[];
}

const containerIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class ImageStore {
  readonly root: string;
  private readonly imagesDir: string;
  private readonly rootfsDir: string;
  private readonly parallelLayers: number;
  private readonly pulls = new Map<string, Promise<ImageInfo>>();
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly unpacks = new Map<string, Promise<LayerMeta>>();
  private readonly rootfsLocks = new Map<string, Promise<unknown>>();
  private ready: Promise<void> | undefined;

  constructor(options: ImageStoreOptions) {
    this.root = path.resolve(options.root);
    this.imagesDir = path.join(this.root, 'images');
    this.rootfsDir = path.join(this.root, 'rootfs');
    this.parallelLayers = options.parallelLayers ?? 3;
  }

  /** Pull `image` according to `policy` (default IfNotPresent). Concurrent pulls of one reference share the work. */
  async pull(image: string, options: PullOptions = {}): Promise<ImageInfo> {
    const ref = parseReference(image);
    const policy = options.policy ?? 'IfNotPresent';
    await this.init();
    const local = await this.findRecord(ref);
    if (policy === 'Never') {
      if (local && (await this.layersPresent(local))) return infoOf(local, ref);
      throw new ImageError('NotPresent', `Container image "${image}" is not present with pull policy of Never; import it or change imagePullPolicy`, image);
    }
    if (policy === 'IfNotPresent' && local && (await this.layersPresent(local))) return infoOf(local, ref);

    const key = canonicalReference(ref);
    const running = this.pulls.get(key);
    if (running) return running;
    const work = this.pullFromRegistry(ref, options).finally(() => this.pulls.delete(key));
    this.pulls.set(key, work);
    return work;
  }

  /** The stored image for a reference (tag, digest, or the image ID `sha256:…`), or undefined. */
  async get(image: string): Promise<ImageInfo | undefined> {
    await this.init();
    const byId = /^(?:sha256:)?[a-f0-9]{64}$/.test(image) ? (await this.records()).find((r) => r.configDigest.endsWith(image.replace(/^sha256:/, ''))) : undefined;
    if (byId) return infoOf(byId, parseReference(byId.reference));
    const ref = parseReference(image);
    const record = await this.findRecord(ref);
    return record ? infoOf(record, ref) : undefined;
  }

  async list(): Promise<ImageInfo[]> {
    await this.init();
    const records = await this.records();
    return records
      .map((r) => infoOf(r, parseReference(r.reference)))
      .sort((a, b) => a.reference.localeCompare(b.reference));
  }

  /**
   * Forget a reference (by tag, or every reference to a digest), then delete blobs and layers nothing uses.
   * Refuses while a container rootfs uses the image unless `force`; its layers stay until that rootfs is gone.
   * Returns the references removed (empty if there were none).
   */
  async remove(image: string, options: { force?: boolean } = {}): Promise<string[]> {
    await this.init();
    const ref = parseReference(image);
    const records = await this.records();
    const doomed = records.filter((r) => (ref.digest
      ? r.registry === ref.registry && r.repositoryPath === ref.repository && (r.digest === ref.digest || r.indexDigest === ref.digest)
      : r.reference === canonicalReference(ref)));
    if (doomed.length === 0) return [];
    if (!options.force) {
      const remaining = records.filter((r) => !doomed.includes(r));
      const inUse = (await this.rootfsMetas()).filter((m) => doomed.some((d) => d.digest === m.digest) && !remaining.some((r) => r.digest === m.digest));
      if (inUse.length > 0) {
        throw new ImageError('ImageInUse', `image "${image}" is used by container ${inUse.map((m) => m.containerId).join(', ')}; remove the container first or use force`, image);
      }
    }
    for (const record of doomed) await rm(this.recordPath(record.reference), { force: true });
    await this.gc();
    return doomed.map((r) => r.reference);
  }

  /** Delete blobs and unpacked layers that no stored image and no container rootfs uses. */
  async gc(): Promise<{ blobs: number; layers: number }> {
    await this.init();
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const r of await this.records()) {
      keepBlobs.add(r.digest).add(r.configDigest);
      if (r.indexDigest) keepBlobs.add(r.indexDigest);
      for (const l of r.layers) { keepBlobs.add(l.digest); keepLayers.add(l.digest); }
    }
    for (const m of await this.rootfsMetas()) for (const l of m.layers) keepLayers.add(l);
    let blobs = 0;
    let layers = 0;
    const blobDir = path.join(this.imagesDir, 'blobs', 'sha256');
    for (const name of await listDir(blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) {
        // A download in progress (here or in another process) or one a kill interrupted: only the old ones go.
        const st = await stat(path.join(blobDir, name)).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 3600_000) await rm(path.join(blobDir, name), { force: true });
        continue;
      }
      if (!keepBlobs.has(`sha256:${name}`) && !this.blobs.has(`sha256:${name}`)) { await rm(path.join(blobDir, name), { force: true }); blobs++; }
    }
    for (const hex of await listDir(path.join(this.imagesDir, 'layers', 'sha256'))) {
      if (!/^[a-f0-9]{64}$/.test(hex)) continue;
      if (!keepLayers.has(`sha256:${hex}`) && !this.unpacks.has(`sha256:${hex}`)) {
        await this.discardDir(this.layerDir(`sha256:${hex}`));
        layers++;
      }
    }
    return { blobs, layers };
  }

  /**
   * Import an OCI layout directory, an OCI layout tar, or a `docker save` tar as `name` (e.g. `app:v1`).
   * With several images in the archive, `options.select` names one; otherwise the one named like `name`.
   */
  async importArchive(archivePath: string, name: string, options: ImportOptions = {}): Promise<ImageInfo> {
    const ref = parseReference(name);
    await this.init();
    const tmp = await this.tempDir();
    try {
      const source = await openArchive(path.resolve(archivePath), ref, tmp, options.select);
      return await this.commit(ref, source, options.onProgress);
    } catch (err) {
      if (err instanceof ImageError && err.code !== 'InvalidArchive' && !err.message.startsWith('failed to import')) {
        throw new ImageError(err.code, `failed to import "${archivePath}" as "${name}": ${err.message}`, name, err.detail);
      }
      throw err;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Mount the container's root filesystem: the image layers read-only under a per-container writable layer.
   * Idempotent: after a crash or a second call it finds the existing mount (or remounts the surviving writable
   * layer). Fails with `RootfsConflict` if the container id already has a rootfs from another image.
   */
  async createRootfs(image: string, containerId: string): Promise<Rootfs> {
    const prepared = await this.prepareRootfs(image, containerId);
    if (prepared.mount) await mountOverlay(prepared.mount);
    return prepared;
  }

  /**
   * Everything of createRootfs but the mount itself: the directories and record are made, and `mount` (when
   * set) is what the caller must mount at `path` before use, e.g. the container shim with one mount(2), which
   * saves a `mount` process on the start path. Unset when the right overlay is mounted already.
   */
  async prepareRootfs(image: string, containerId: string): Promise<Rootfs & { mount?: OverlaySpec }> {
    if (!containerIdPattern.test(containerId)) {
      throw new ImageError('RootfsConflict', `invalid container id "${containerId}" (letters, digits, '_', '.', '-'; at most 128)`);
    }
    await this.init();
    return this.withRootfsLock(containerId, async () => {
      const info = await this.get(image);
      if (!info) throw new ImageError('NotPresent', `image "${image}" is not in the image store; pull it first`, image);
      const dir = path.join(this.rootfsDir, containerId);
      const merged = path.join(dir, 'merged');
      const metaPath = path.join(dir, 'rootfs.json');
      const existing = readJsonFile<RootfsMeta>(metaPath);
      if (existing && existing.digest !== info.digest) {
        throw new ImageError('RootfsConflict', `container ${containerId} already has a root filesystem from image "${existing.image}"; clean it up before reusing the id`, image);
      }
      const handle: Rootfs = { path: merged, cleanup: () => this.removeRootfs(containerId) };
      const spec = { lowerDirs: await this.lowerDirsFor(info), upperDir: path.join(dir, 'upper'), workDir: path.join(dir, 'work'), target: merged };
      if (existing) {
        if (await isOverlayMounted(spec)) return handle;
        // A mount left from an older state (other layers, or a half-deleted directory) is replaced.
        await unmount(merged);
      }
      for (const d of [spec.upperDir, spec.workDir, merged]) mkdirSync(d, { recursive: true });
      if (!existing) {
        const meta: RootfsMeta = { containerId, image: info.reference, digest: info.digest, layers: info.layers.map((l) => l.digest) };
        await writeJsonAtomic(metaPath, meta);
      }
      return { ...handle, mount: spec };
    });
  }

  /** Unmount and delete a container's root filesystem; safe to call when it is half made or already gone. */
  async removeRootfs(containerId: string): Promise<void> {
    if (!containerIdPattern.test(containerId)) return;
    await this.withRootfsLock(containerId, async () => {
      const dir = path.join(this.rootfsDir, containerId);
      await unmount(path.join(dir, 'merged'));
      await this.discardDir(dir);
    });
  }

  /** Container ids that have a root filesystem here (mounted or not), e.g. to clean up after a crash. */
  async rootfsIds(): Promise<string[]> {
    return (await listDir(this.rootfsDir)).filter((id) => containerIdPattern.test(id));
  }

  // ---- internals ----

  private init(): Promise<void> {
    this.ready ??= (async () => {
      for (const d of ['blobs/sha256', 'layers/sha256', 'refs', 'tmp']) await mkdir(path.join(this.imagesDir, d), { recursive: true });
      await mkdir(this.rootfsDir, { recursive: true });
      // Leftovers of a killed process; only entries older than a minute, so a concurrent process is not hurt.
      const tmpDir = path.join(this.imagesDir, 'tmp');
      for (const name of await listDir(tmpDir)) {
        const full = path.join(tmpDir, name);
        const st = await stat(full).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 60_000) await rm(full, { recursive: true, force: true });
      }
    })();
    return this.ready;
  }

  private async pullFromRegistry(ref: ImageReference, options: PullOptions): Promise<ImageInfo> {
    const image = displayReference(ref);
    const started = Date.now();
    const client = new RegistryClient({
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
    });
    const emit = options.onProgress;
    try {
      const resolved = await client.resolve(ref);
      const layers = resolved.manifest.layers.filter((l) => !isForeignLayer(l.mediaType));
      const totalBytes = layers.reduce((s, l) => s + l.size, 0);
      emit?.(withMessage({ kind: 'resolved', image, digest: resolved.digest, layers: layers.length, totalBytes }));
      const configBytes = await this.readBlobIfPresent(resolved.manifest.config.digest)
        ?? await client.fetchBlob(ref, resolved.manifest.config);
      let downloaded = 0;
      const source: ImageSource = {
        manifestDigest: resolved.digest,
        manifestMediaType: resolved.mediaType,
        manifestBytes: resolved.bytes,
        manifest: resolved.manifest,
        configBytes,
        ...(resolved.index ? { indexDigest: resolved.index.digest, indexBytes: resolved.index.bytes } : {}),
        fetchBlob: async (d, destination, onBytes) => {
          await client.downloadBlob(ref, d, destination, (n) => { downloaded += n; onBytes(n); });
        },
      };
      const info = await this.commit(ref, source, emit);
      emit?.(withMessage({ kind: 'complete', image, digest: info.digest, durationMs: Date.now() - started, bytesDownloaded: downloaded }));
      return info;
    } catch (err) {
      throw withImage(err, image);
    }
  }

  /** Store the image's blobs, unpack its layers, then write the reference record (last, so it is all-or-nothing). */
  private async commit(ref: ImageReference, source: ImageSource, emit?: (e: PullProgressEvent) => void): Promise<ImageInfo> {
    const image = displayReference(ref);
    const config = parseImageConfig(source.configBytes);
    if (!config) throw pullError('UnsupportedManifest', image, 'the image config is not valid JSON with rootfs.diff_ids');
    if (sha256Digest(source.configBytes) !== source.manifest.config.digest) {
      throw pullError('DigestMismatch', image, `config ${source.manifest.config.digest} does not match its content`);
    }
    const layers = source.manifest.layers.filter((l) => !isForeignLayer(l.mediaType));
    if (config.rootfs.diff_ids.length !== layers.length) {
      throw pullError('UnsupportedManifest', image, `the manifest has ${layers.length} layers but the config lists ${config.rootfs.diff_ids.length}`);
    }
    await this.writeBlob(source.manifestDigest, source.manifestBytes);
    if (source.indexDigest && source.indexBytes) await this.writeBlob(source.indexDigest, source.indexBytes);
    await this.writeBlob(source.manifest.config.digest, source.configBytes);

    await forEachLimited(layers, this.parallelLayers, async (layer, i) => {
      await this.ensureLayer(image, layer, config.rootfs.diff_ids[i], source, emit);
    });

    const record = recordOf(ref, source, config, layers);
    await writeJsonAtomic(this.recordPath(record.reference), record);
    return infoOf(record, ref);
  }

  private async ensureLayer(
    image: string, layer: Descriptor, diffId: string | undefined, source: ImageSource, emit?: (e: PullProgressEvent) => void,
  ): Promise<void> {
    const event = (phase: Extract<PullProgressEvent, { kind: 'layer' }>['phase'], bytesDone: number): void => {
      emit?.(withMessage({ kind: 'layer', image, digest: layer.digest, phase, bytesDone, bytesTotal: layer.size }));
    };
    if (await exists(path.join(this.layerDir(layer.digest), 'layer.json'))) { event('cached', layer.size); return; }
    const blobFile = this.blobPath(layer.digest);
    if (!(await exists(blobFile))) {
      await this.shared(this.blobs, layer.digest, async () => {
        if (await exists(blobFile)) return;
        let done = 0;
        let lastEmit = 0;
        event('downloading', 0);
        await source.fetchBlob(layer, blobFile, (n) => {
          done += n;
          const now = Date.now();
          if (now - lastEmit >= 100) { lastEmit = now; emit?.({ kind: 'layer', image, digest: layer.digest, phase: 'downloading', bytesDone: done, bytesTotal: layer.size }); }
        });
        event('downloaded', layer.size);
      });
    }
    await this.shared(this.unpacks, layer.digest, async () => {
      const metaFile = path.join(this.layerDir(layer.digest), 'layer.json');
      const existing = readJsonFile<LayerMeta>(metaFile);
      if (existing) return existing;
      event('extracting', layer.size);
      const tmp = await this.tempDir();
      try {
        const unpacked = await unpackLayer(blobFile, path.join(tmp, 'fs'), path.join(tmp, 'shim'), diffId);
        const meta: LayerMeta = { digest: layer.digest, diffId: unpacked.diffId, rootOpaque: unpacked.rootOpaque, hasShim: unpacked.opaqueDirs.length > 0 };
        await writeFile(path.join(tmp, 'layer.json'), JSON.stringify(meta));
        await this.discardDir(this.layerDir(layer.digest)); // a half-renamed leftover without layer.json
        await rename(tmp, this.layerDir(layer.digest));
        event('ready', layer.size);
        return meta;
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        if (err instanceof ImageError && err.code === 'DigestMismatch') await rm(blobFile, { force: true });
        throw err instanceof ImageError && err.image === undefined ? pullError(err.code, image, `layer ${layer.digest}: ${err.message}`) : err;
      }
    });
  }

  /** Run `work` once per key at a time; concurrent callers await the same promise. */
  private shared<T>(map: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
    const running = map.get(key);
    if (running) return running;
    const p = work().finally(() => map.delete(key));
    map.set(key, p);
    return p;
  }

  private async lowerDirsFor(info: ImageInfo): Promise<string[]> {
    const dirs: string[] = [];
    for (const layer of [...info.layers].reverse()) {
      const meta = readJsonFile<LayerMeta>(path.join(this.layerDir(layer.digest), 'layer.json'));
      if (!meta) throw new ImageError('NotPresent', `layer ${layer.digest} of image "${info.reference}" is missing; pull the image again`, info.reference);
      dirs.push(path.join(this.layerDir(layer.digest), 'fs'));
      if (meta.rootOpaque) break;
      if (meta.hasShim) dirs.push(path.join(this.layerDir(layer.digest), 'shim'));
    }
    if (dirs.length === 0) {
      const empty = path.join(this.imagesDir, 'layers', 'empty');
      await mkdir(empty, { recursive: true });
      dirs.push(empty);
    }
    return dirs;
  }

  private async layersPresent(record: ImageRecord): Promise<boolean> {
    for (const l of record.layers) if (!(await exists(path.join(this.layerDir(l.digest), 'layer.json')))) return false;
    return true;
  }

  private async findRecord(ref: ImageReference): Promise<ImageRecord | undefined> {
    if (!ref.digest) return readJsonFile<ImageRecord>(this.recordPath(canonicalReference(ref)));
    const exact = readJsonFile<ImageRecord>(this.recordPath(canonicalReference({ registry: ref.registry, repository: ref.repository, digest: ref.digest })));
    if (exact) return exact;
    return (await this.records()).find((r) => r.registry === ref.registry && r.repositoryPath === ref.repository
      && (r.digest === ref.digest || r.indexDigest === ref.digest));
  }

  private async records(): Promise<ImageRecord[]> {
    const dir = path.join(this.imagesDir, 'refs');
    const out: ImageRecord[] = [];
    for (const name of await listDir(dir)) {
      if (!name.endsWith('.json')) continue;
      const r = readJsonFile<ImageRecord>(path.join(dir, name));
      if (r?.version === 1) out.push(r);
    }
    return out;
  }

  private async rootfsMetas(): Promise<RootfsMeta[]> {
    const out: RootfsMeta[] = [];
    for (const id of await listDir(this.rootfsDir)) {
      const m = readJsonFile<RootfsMeta>(path.join(this.rootfsDir, id, 'rootfs.json'));
      if (m) out.push(m);
    }
    return out;
  }

  private async readBlobIfPresent(digest: string): Promise<Buffer | undefined> {
    try {
      const bytes = await readFile(this.blobPath(digest));
      return sha256Digest(bytes) === digest ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  private async writeBlob(digest: string, bytes: Buffer): Promise<void> {
    const file = this.blobPath(digest);
    if (await exists(file)) return;
    const tmp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }

  /** Move a directory into tmp/ (atomic) and delete it there, so a kill never leaves half a layer in place. */
  private async discardDir(dir: string): Promise<void> {
    const trash = path.join(this.imagesDir, 'tmp', `trash-${randomBytes(6).toString('hex')}`);
    try {
      await rename(dir, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
  }

  private async tempDir(): Promise<string> {
    const dir = path.join(this.imagesDir, 'tmp', `work-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  private withRootfsLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.rootfsLocks.get(id) ?? Promise.resolve();
    const p = before.catch(() => undefined).then(work);
    const tail = p.catch(() => undefined);
    this.rootfsLocks.set(id, tail);
    void tail.then(() => { if (this.rootfsLocks.get(id) === tail) this.rootfsLocks.delete(id); });
    return p;
  }

  private blobPath(digest: string): string {
    return path.join(this.imagesDir, 'blobs', 'sha256', digestHex(digest));
  }

  private layerDir(digest: string): string {
    return path.join(this.imagesDir, 'layers', 'sha256', digestHex(digest));
  }

  private recordPath(reference: string): string {
    return path.join(this.imagesDir, 'refs', `${encodeURIComponent(reference)}.json`);
  }
}

function recordOf(ref: ImageReference, source: ImageSource, config: ImageConfig, layers: Descriptor[]): ImageRecord {
  const record: ImageRecord = {
    version: 1,
    reference: canonicalReference(ref.digest ? { registry: ref.registry, repository: ref.repository, digest: ref.digest } : ref),
    registry: ref.registry,
    repositoryPath: ref.repository,
    digest: source.manifestDigest,
    configDigest: source.manifest.config.digest,
    manifestMediaType: source.manifestMediaType,
    layers: layers.map(layerInfo),
    diffIds: config.rootfs.diff_ids,
    os: config.os,
    architecture: config.architecture,
    config: runConfigOf(config),
    storedAt: new Date().toISOString(),
  };
  if (!ref.digest && ref.tag) record.tag = ref.tag;
  if (source.indexDigest) record.indexDigest = source.indexDigest;
  if (config.created) record.created = config.created;
  return record;
}

function withMessage(event: PullProgressEvent): PullProgressEvent {
  const message = formatProgress(event);
  return message ? { ...event, message } : event;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}


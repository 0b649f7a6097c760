/**
 * A client for the OCI distribution API (what Docker Hub, docker-registry, GHCR, ECR… serve):
 * resolve a reference to the manifest for our platform, fetch and verify blobs. Handles anonymous access,
 * Bearer tokens (Docker Hub style token service) and Basic auth. Plain HTTP only for loopback registries and
 * those listed in `insecureRegistries`; HTTPS otherwise.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { randomBytes } from 'node:crypto';
import { parseAuthChallenge, pullScope, type AuthChallenge } from './auth-challenge.js';
import { credentialsFor, type Credentials, type RegistryAuth } from './credentials.js';
import { DigestVerifier, sha256Digest } from './digest-verifier.js';
import { ImageError, pullError, type ImageErrorCode } from './errors.js';
import {
  ACCEPT_MANIFESTS, parseManifest, type Descriptor, type ImageManifest, type Platform,
} from './media-types.js';
import { formatPlatform, hostPlatform, selectPlatform } from './platform.js';
import { apiHost, displayReference, repositoryName, type ImageReference } from './reference.js';

export interface RegistryClientOptions {
  /** Credentials, or a lookup per registry (e.g. a `DockerConfig` from imagePullSecrets). */
  auth?: RegistryAuth;
  /** Registries (`host` or `host:port`) reached over plain HTTP. Loopback registries always are. */
  insecureRegistries?: readonly string[];
  /** Platform to pick from an index; defaults to linux and this machine's architecture. */
  platform?: Platform;
  /** Limit for a manifest / token request. Default 30 s. */
  requestTimeoutMs?: number;
  /** A blob download fails when no byte arrives for this long. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface ResolvedImage {
  reference: ImageReference;
  /** Digest of the platform-specific image manifest. */
  digest: string;
  mediaType: string;
  manifest: ImageManifest;
  bytes: Buffer;
  /** Set when the reference named an index / manifest list. */
  index?: FetchedManifest;
}

type TokenEntry = { header: string; expiresAt: number };

const MAX_REDIRECTS = 5;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.split(':')[0] ?? '';
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export class RegistryClient {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly basicRegistries = new Set<string>();
  private readonly insecure: Set<string>;
  private readonly platform: Platform;
  private readonly requestTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.insecure = new Set((options.insecureRegistries ?? []).map((r) => r.toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '')));
    this.platform = options.platform ?? hostPlatform();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  }

  baseUrl(registry: string): string {
    const host = apiHost(registry);
    const plain = isLoopbackRegistry(registry) || this.insecure.has(registry) || this.insecure.has(registry.split(':')[0] ?? '');
    return `${plain ? 'http' : 'https'}://${host}`;
  }

  /** Resolve a tag or digest to the image manifest for our platform (walking one index level). */
  async resolve(ref: ImageReference): Promise<ResolvedImage> {
    const top = await this.getManifest(ref, ref.digest ?? ref.tag ?? 'latest');
    const parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind === 'manifest') {
      return { reference: ref, digest: top.digest, mediaType: parsed.mediaType, manifest: parsed.manifest, bytes: top.bytes };
    }
    if (parsed.kind === 'unsupported') throw pullError('UnsupportedManifest', displayReference(ref), parsed.why);
    const chosen = selectPlatform(parsed.index.manifests, this.platform);
    if (!chosen) {
      const offered = parsed.index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
      throw pullError('PlatformNotFound', displayReference(ref), `the image has no manifest for ${formatPlatform(this.platform)} (it offers: ${offered || 'nothing'})`);
    }
    const child = await this.getManifest(ref, chosen.digest);
    const inner = parseManifest(child.bytes, child.mediaType);
    if (inner.kind !== 'manifest') {
      throw pullError('UnsupportedManifest', displayReference(ref), inner.kind === 'unsupported' ? inner.why : 'nested image indexes are not supported');
    }
    return {
      reference: ref, digest: child.digest, mediaType: inner.mediaType, manifest: inner.manifest, bytes: child.bytes,
      index: { digest: top.digest, mediaType: parsed.mediaType, bytes: top.bytes },
    };
  }

  /** GET a manifest by tag or digest; a digest reference is verified against the body. */
  async getManifest(ref: ImageReference, tagOrDigest: string): Promise<FetchedManifest> {
    const image = displayReference(ref);
    const res = await this.request(ref, `manifests/${tagOrDigest}`, { accept: ACCEPT_MANIFESTS, timeoutMs: this.requestTimeoutMs });
    if (!res.ok) throw await this.responseError(res, ref, 'manifest');
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES, image);
    const digest = sha256Digest(bytes);
    if (tagOrDigest.startsWith('sha256:') && digest !== tagOrDigest) {
      throw pullError('DigestMismatch', image, `manifest ${tagOrDigest} hashes to ${digest}`);
    }
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    return { digest, mediaType, bytes };
  }

  /** A small blob (an image config) in memory, verified. */
  async fetchBlob(ref: ImageReference, descriptor: Descriptor): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.streamBlob(ref, descriptor, new Transform({
      transform(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); },
    }));
    return Buffer.concat(chunks);
  }

  /**
   * Download a blob to `destination`, verifying size and sha256 while streaming. The bytes go to a
   * temp file next to it that is renamed into place only once verified.
   */
  async downloadBlob(ref: ImageReference, descriptor: Descriptor, destination: string, onBytes?: (n: number) => void): Promise<void> {
    const temp = `${destination}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) { onBytes?.(chunk.length); done(null, chunk); },
      });
      await this.streamBlob(ref, descriptor, counter, createWriteStream(temp));
      await rename(temp, destination);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  private async streamBlob(ref: ImageReference, descriptor: Descriptor, ...sinks: Array<NodeJS.WritableStream | Transform>): Promise<void> {
    const image = displayReference(ref);
    const controller = new AbortController();
    let idle: NodeJS.Timeout | undefined;
    let stalled = false;
    // One watchdog for the whole download: waiting for headers and every gap between chunks.
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => { stalled = true; controller.abort(); }, this.idleTimeoutMs);
    };
    const watchdog = new Transform({ transform(chunk: Buffer, _enc, done) { arm(); done(null, chunk); } });
    arm();
    try {
      const res = await this.request(ref, `blobs/${descriptor.digest}`, { signal: controller.signal });
      if (!res.ok) throw await this.responseError(res, ref, 'blob', descriptor.digest);
      if (!res.body) throw pullError('RegistryError', image, `the registry sent no body for blob ${descriptor.digest}`);
      const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
      const verifier = new DigestVerifier(descriptor.digest, descriptor.size, 'blob');
      const streams: Array<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream> = [body, watchdog, verifier, ...sinks];
      await pipeline(streams);
    } catch (err) {
      if (stalled) throw pullError('Unreachable', image, `no data from ${ref.registry} for ${Math.round(this.idleTimeoutMs / 1000)} s while downloading ${descriptor.digest}; try again`);
      if (err instanceof ImageError && err.image === undefined) throw pullError(err.code, image, err.message.replace(/^digest mismatch: /, ''));
      throw this.networkError(err, ref);
    } finally {
      clearTimeout(idle);
    }
  }

  /** One request with auth (challenge → token → retry once) and manual redirects (auth not sent across hosts). */
  private async request(
    ref: ImageReference,
    path: string,
    opts: { accept?: string; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<Response> {
    const image = displayReference(ref);
    const scope = pullScope(ref.repository);
    const base = this.baseUrl(ref.registry);
    const firstUrl = `${base}/v2/${ref.repository}/${path}`;
    let challenged = false;
    for (;;) {
      let url = firstUrl;
      let authHeader = this.cachedAuth(ref, scope);
      let res: Response;
      let redirects = 0;
      for (;;) {
        const headers: Record<string, string> = { 'user-agent': 'stratus/0.1' };
        if (opts.accept) headers.accept = opts.accept;
        if (authHeader) headers.authorization = authHeader;
        try {
          res = await fetch(url, { headers, redirect: 'manual', signal: opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? this.requestTimeoutMs) });
        } catch (err) {
          throw this.networkError(err, ref);
        }
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (++redirects > MAX_REDIRECTS) throw pullError('RegistryError', image, `too many redirects from ${ref.registry}`);
          const next = new URL(location, url);
          if (next.host !== new URL(url).host) authHeader = undefined;
          url = next.toString();
          continue;
        }
        break;
      }
      if (res.status !== 401 || challenged) return res;
      challenged = true;
      const challenge = parseAuthChallenge(res.headers.get('www-authenticate'));
      await res.body?.cancel();
      if (!challenge) return res;
      await this.authorize(ref, challenge, scope);
    }
  }

  private cachedAuth(ref: ImageReference, scope: string): string | undefined {
    const token = this.tokens.get(`${ref.registry}\n${scope}`);
    if (token && token.expiresAt > Date.now()) return token.header;
    if (this.basicRegistries.has(ref.registry)) {
      const creds = credentialsFor(this.options.auth, ref.registry, ref.repository);
      if (creds && 'username' in creds && 'password' in creds) return basicHeader(creds.username, creds.password);
    }
    return undefined;
  }

  private async authorize(ref: ImageReference, challenge: AuthChallenge, defaultScope: string): Promise<void> {
    const image = displayReference(ref);
    const creds = credentialsFor(this.options.auth, ref.registry, ref.repository);
    if (challenge.scheme === 'basic') {
      if (!creds || !('password' in creds)) {
        throw pullError('Unauthorized', image, `${ref.registry} requires a username and password; add an imagePullSecret for it`);
      }
      this.basicRegistries.add(ref.registry);
      return;
    }
    const realm = challenge.params.realm;
    if (!realm) throw pullError('Unauthorized', image, `${ref.registry} asked for a bearer token but named no token service`);
    const scope = challenge.params.scope ?? defaultScope;
    const token = await this.fetchToken(ref, realm, challenge.params.service, scope, creds);
    this.tokens.set(`${ref.registry}\n${defaultScope}`, token);
  }

  private async fetchToken(ref: ImageReference, realm: string, service: string | undefined, scope: string, creds: Credentials | undefined): Promise<TokenEntry> {
    const image = displayReference(ref);
    if (creds && 'registryToken' in creds) return { header: `Bearer ${creds.registryToken}`, expiresAt: Date.now() + 3600_000 };
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw pullError('Unauthorized', image, `token service URL "${realm}" from ${ref.registry} is invalid`);
    }
    let res: Response;
    try {
      if (creds && 'identityToken' in creds) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'stratus', scope });
        if (service) form.set('service', service);
        res = await fetch(realmUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(this.requestTimeoutMs) });
      } else {
        if (service) realmUrl.searchParams.set('service', service);
        realmUrl.searchParams.set('scope', scope);
        const headers: Record<string, string> = { 'user-agent': 'stratus/0.1' };
        if (creds && 'password' in creds) headers.authorization = basicHeader(creds.username, creds.password);
        res = await fetch(realmUrl, { headers, signal: AbortSignal.timeout(this.requestTimeoutMs) });
      }
    } catch (err) {
      throw this.networkError(err, ref, realmUrl.host);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      const what = creds ? 'rejected the credentials' : 'requires credentials';
      throw pullError('Unauthorized', image, `the token service of ${ref.registry} ${what}; check the imagePullSecret`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw pullError('RegistryError', image, `the token service of ${ref.registry} answered ${res.status}`);
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw pullError('RegistryError', image, `the token service of ${ref.registry} sent no JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw pullError('RegistryError', image, `the token service of ${ref.registry} sent no token`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + Math.max(seconds - 5, 1) * 1000 };
  }

  private async responseError(res: Response, ref: ImageReference, what: 'manifest' | 'blob', digest?: string): Promise<ImageError> {
    const image = displayReference(ref);
    let registryCode: string | undefined;
    let registryMessage: string | undefined;
    try {
      const text = await res.text();
      const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
      registryCode = body.errors?.[0]?.code;
      registryMessage = body.errors?.[0]?.message;
    } catch {
      // not a distribution error body
    }
    const detail = `${res.status} ${registryCode ?? ''} ${registryMessage ?? ''}`.trim();
    const code = errorCodeFor(res.status, registryCode, what);
    switch (code) {
      case 'ManifestUnknown':
        return pullError(code, image, registryCode === 'NAME_UNKNOWN' ? `repository ${repositoryName(ref)} not found` : undefined, detail);
      case 'BlobUnknown':
        return pullError(code, image, `${digest ?? ''} is missing from ${ref.registry}; push the image again`, detail);
      case 'Unauthorized':
        return pullError(code, image, `${ref.registry} refused access to ${ref.repository}; add or fix an imagePullSecret`, detail);
      case 'Denied':
        return pullError(code, image, `access to ${ref.repository} is denied for these credentials`, detail);
      default:
        return pullError('RegistryError', image, `${ref.registry} answered ${detail || res.status} for the ${what}`, detail);
    }
  }

  private networkError(err: unknown, ref: ImageReference, host = apiHost(ref.registry)): ImageError {
    if (err instanceof ImageError) return err;
    const image = displayReference(ref);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (err as { code?: string }).code;
    const name = (err as { name?: string }).name;
    const url = `${this.baseUrl(ref.registry).split('://')[0]}://${host}`;
    if (code === 'ECONNREFUSED') return pullError('ConnectionRefused', image, `nothing listens at ${url}; is the registry running?`, code);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return pullError('Unreachable', image, `cannot resolve ${host}; check the registry name`, code);
    if (name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
      return pullError('Unreachable', image, `${url} did not answer in time; try again`, code ?? name);
    }
    if (code && /CERT|SSL|TLS|SELF_SIGNED/i.test(code)) {
      return pullError('Unreachable', image, `TLS failure talking to ${url} (${code}); if the registry is plain HTTP add it to insecureRegistries`, code);
    }
    const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
    return pullError('Unreachable', image, `${url}: ${message}`, code);
  }
}

function errorCodeFor(status: number, registryCode: string | undefined, what: 'manifest' | 'blob'): ImageErrorCode {
  if (registryCode === 'MANIFEST_UNKNOWN' || registryCode === 'NAME_UNKNOWN') return 'ManifestUnknown';
  if (registryCode === 'BLOB_UNKNOWN') return 'BlobUnknown';
  if (registryCode === 'UNAUTHORIZED' || status === 401) return 'Unauthorized';
  if (registryCode === 'DENIED' || status === 403) return 'Denied';
  if (status === 404) return what === 'manifest' ? 'ManifestUnknown' : 'BlobUnknown';
  return 'RegistryError';
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function readLimited(res: Response, limit: number, image: string): Promise<Buffer> {
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > limit) throw pullError('UnsupportedManifest', image, `the manifest is ${length} bytes, more than the ${limit} allowed`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > limit) throw pullError('UnsupportedManifest', image, `the manifest is larger than ${limit} bytes`);
  return bytes;
}

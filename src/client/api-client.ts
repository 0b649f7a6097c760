import http from 'node:http';
import https from 'node:https';
import type { ListMeta } from 'kubernetes-types/meta/v1.js';
import { ApiError, type Status, type StatusReason } from '../api/errors.js';
import { apiVersionOf, isObject, type KubeObject, type ResourceRef } from '../api/object.js';
import { readKubeconfig, type ClientConfig } from './kubeconfig.js';
import type { Resource, ResourceType } from './resources.js';
import { JsonLineSplitter, type WatchEvent } from './watch-stream.js';

/** A ref that may carry its object type (see ResourceType); plain ResourceRefs give KubeObject. */
export type Ref<T extends Resource> = ResourceRef & { readonly __object?: T; kind?: string };

export interface ObjectList<T> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export interface Scope {
  /** Omit for cluster-scoped resources, or to list/watch across all namespaces. */
  namespace?: string;
}

export interface GetOptions extends Scope {
  resourceVersion?: string;
}

export interface ListOptions extends Scope {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions extends Scope {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** json = RFC 6902, merge = RFC 7386, strategic = Kubernetes strategic merge, apply = server-side apply. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  /** e.g. 'status' or 'scale'. */
  subresource?: string;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions extends Scope {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WatchOptions extends Scope {
  /** Start after this version ('' or '0': the server sends the current state as ADDED events first). */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchHandle {
  /** Closes the stream; `done` then resolves. Idempotent. */
  abort(): void;
  /**
   * Resolves when the stream ends cleanly (server timeout, or abort()). Rejects with ApiError for a non-2xx
   * answer or an ERROR event (e.g. 410 Expired: relist), or with ConnectionError when the connection fails.
   */
  done: Promise<void>;
}

/** The server could not be reached or the connection broke (no HTTP status to report). */
export class ConnectionError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ConnectionError';
  }
}

class StaleSocketError extends ConnectionError {}

/** A resource as discovery reports it (main resources only, not subresources). */
export interface DiscoveredResource extends ResourceRef {
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

export interface ApiClientOptions {
  /** Sent as User-Agent, e.g. 'stratus-scheduler'. */
  userAgent?: string;
  /** Timeout for each non-watch request; default 60 s. */
  timeoutMs?: number;
}

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 503: 'ServiceUnavailable', 504: 'Timeout',
};

function isStatus(value: unknown): value is Status {
  return isObject(value) && value.kind === 'Status' && typeof value.code === 'number';
}

/** `/api/v1/namespaces/ns/pods/name/status` and friends. */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

/** True for a 404 ApiError. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
}
export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.code === 410;
}

/**
 * A small typed REST client for the Kubernetes API over HTTPS (keep-alive, pinned CA, bearer token).
 * Every Stratus component talks to the API server through it.
 */
export class ApiClient {
  readonly server: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(readonly config: ClientConfig, options: ApiClientOptions = {}) {
    this.server = new URL(config.server);
    const secure = this.server.protocol === 'https:';
    this.transport = secure ? https : http;
    this.agent = secure
      ? new https.Agent({
        keepAlive: true,
        ca: config.caData,
        cert: config.certData,
        key: config.keyData,
        rejectUnauthorized: !config.insecureSkipTlsVerify,
      })
      : new http.Agent({ keepAlive: true });
    this.headers = { 'User-Agent': options.userAgent ?? 'stratus-client/0.1.0' };
    if (config.token) this.headers.Authorization = `Bearer ${config.token}`;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  static fromKubeconfig(path: string, options: ApiClientOptions & { context?: string } = {}): ApiClient {
    return new ApiClient(readKubeconfig(path, options.context), options);
  }

  /** Closes idle keep-alive sockets (open watches are aborted by their handles). */
  close(): void {
    this.agent.destroy();
  }

  async get<T extends Resource = KubeObject>(ref: Ref<T>, name: string, options: GetOptions = {}): Promise<T> {
    return this.request<T>('GET', resourcePath(ref, options.namespace, name), {
      query: { resourceVersion: options.resourceVersion },
    });
  }

  async list<T extends Resource = KubeObject>(ref: Ref<T>, options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', resourcePath(ref, options.namespace), {
      query: {
        labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit,
        continue: options.continue, resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
      },
    });
  }

  /** Creates `obj`; the namespace defaults to obj.metadata.namespace; apiVersion/kind are filled from a ResourceType. */
  async create<T extends Resource = KubeObject>(ref: Ref<T>, obj: T, options: WriteOptions = {}): Promise<T> {
    const namespace = options.namespace ?? obj.metadata?.namespace;
    return this.request<T>('POST', resourcePath(ref, namespace), {
      body: withTypeMeta(ref, obj), query: writeQuery(options),
    });
  }

  /** PUT of the whole object (name and namespace from its metadata); a stale metadata.resourceVersion gives 409. */
  async update<T extends Resource = KubeObject>(ref: Ref<T>, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, undefined, options);
  }

  /** PUT to the status subresource. */
  async updateStatus<T extends Resource = KubeObject>(ref: Ref<T>, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, 'status', options);
  }

  async patch<T extends Resource = KubeObject>(ref: Ref<T>, name: string, patch: unknown, type: PatchType, options: PatchOptions = {}): Promise<T> {
    if (type === 'apply' && !options.fieldManager) {
      throw new ApiError(400, 'BadRequest', 'server-side apply needs a fieldManager (pass options.fieldManager)');
    }
    return this.request<T>('PATCH', resourcePath(ref, options.namespace, name, options.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query: { ...writeQuery(options), force: type === 'apply' && options.force ? true : undefined },
    });
  }

  /** Server-side apply of a (partial) object: PATCH application/apply-patch+yaml with fieldManager. */
  async apply<T extends Resource = KubeObject>(ref: Ref<T>, obj: T, options: PatchOptions & { fieldManager: string }): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new ApiError(400, 'BadRequest', 'apply needs metadata.name');
    return this.patch<T>(ref, name, withTypeMeta(ref, obj), 'apply', {
      ...options, namespace: options.namespace ?? obj.metadata?.namespace,
    });
  }

  /** Deletes; answers the object (it may linger with a deletionTimestamp) or a Success Status. */
  async delete<T extends Resource = KubeObject>(ref: Ref<T>, name: string, options: DeleteOptions = {}): Promise<T | Status> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.dryRun) body.dryRun = ['All'];
    return this.request<T | Status>('DELETE', resourcePath(ref, options.namespace, name), { body });
  }

  async getSubresource<R = KubeObject>(ref: ResourceRef, name: string, subresource: string, options: Scope = {}): Promise<R> {
    return this.request<R>('GET', resourcePath(ref, options.namespace, name, subresource));
  }

  /** PUT to a subresource (status, scale, finalize). */
  async updateSubresource<R = KubeObject>(ref: ResourceRef, name: string, subresource: string, body: unknown, options: WriteOptions = {}): Promise<R> {
    return this.request<R>('PUT', resourcePath(ref, options.namespace, name, subresource), { body, query: writeQuery(options) });
  }

  /** POST to a subresource (binding, eviction). */
  async createSubresource<R = KubeObject>(ref: ResourceRef, name: string, subresource: string, body: unknown, options: WriteOptions = {}): Promise<R> {
    return this.request<R>('POST', resourcePath(ref, options.namespace, name, subresource), { body, query: writeQuery(options) });
  }

  async getScale(ref: ResourceRef, name: string, options: Scope = {}): Promise<Scale> {
    return this.getSubresource<Scale>(ref, name, 'scale', options);
  }

  async scale(ref: ResourceRef, name: string, replicas: number, options: Scope = {}): Promise<Scale> {
    return this.patch<Scale>(ref, name, { spec: { replicas } }, 'merge', { ...options, subresource: 'scale' });
  }

  /** Binds a pod to a node through pods/binding (what a scheduler does). */
  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<Status> {
    const binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    return this.createSubresource<Status>({ group: '', version: 'v1', plural: 'pods' }, podName, 'binding', binding, { namespace });
  }

  /** Evicts a pod through pods/eviction (policy/v1 Eviction; honours PodDisruptionBudgets). */
  async evict(namespace: string, podName: string, deleteOptions?: Omit<DeleteOptions, 'namespace'>): Promise<Status> {
    const eviction: Record<string, unknown> = {
      apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: podName, namespace },
    };
    if (deleteOptions) eviction.deleteOptions = { kind: 'DeleteOptions', apiVersion: 'v1', ...deleteOptions };
    return this.createSubresource<Status>({ group: '', version: 'v1', plural: 'pods' }, podName, 'eviction', eviction, { namespace });
  }

  /**
   * Streams watch events to `onEvent` until the server ends the stream, abort() is called, or an error occurs
   * (see WatchHandle.done). ERROR events are not passed to onEvent: they reject `done` with the ApiError.
   */
  watch<T extends Resource = KubeObject>(ref: Ref<T>, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    const path = resourcePath(ref, options.namespace);
    const query = buildQuery({
      watch: true, resourceVersion: options.resourceVersion, allowWatchBookmarks: options.allowWatchBookmarks,
      timeoutSeconds: options.timeoutSeconds, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
    });
    let aborted = false;
    let request: http.ClientRequest | undefined;
    const done = new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        if (err && !aborted) reject(err); else resolve();
      };
      request = this.transport.request(new URL(path + query, this.server), {
        method: 'GET', agent: this.agent, headers: { ...this.headers, Accept: 'application/json' },
      }, (res) => {
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        if (status < 200 || status >= 300) {
          let text = '';
          res.on('data', (chunk: string) => { text += chunk; });
          res.on('end', () => finish(errorFromResponse(status, text)));
          res.on('error', (err) => finish(new ConnectionError(`watch ${path}: ${err.message}`, err)));
          return;
        }
        const splitter = new JsonLineSplitter();
        const deliver = (values: unknown[]): boolean => {
          for (const value of values) {
            if (settled) return false;
            if (!isObject(value) || typeof value.type !== 'string') continue;
            if (value.type === 'ERROR') {
              finish(isStatus(value.object) ? ApiError.fromStatus(value.object) : new ApiError(500, 'InternalError', 'watch ERROR event without a Status'));
              res.destroy();
              return false;
            }
            onEvent(value as unknown as WatchEvent<T>);
          }
          return true;
        };
        res.on('data', (chunk: string) => {
          try {
            deliver(splitter.push(chunk));
          } catch (err) {
            finish(err instanceof SyntaxError ? new ConnectionError(`watch ${path}: malformed event: ${err.message}`, err) : err);
            res.destroy();
          }
        });
        res.on('end', () => {
          try { deliver(splitter.flush()); } catch { /* a cut-off last line: the stream ended anyway */ }
          finish();
        });
        res.on('aborted', () => finish(new ConnectionError(`watch ${path}: connection closed by the server`)));
        res.on('error', (err) => finish(aborted ? undefined : new ConnectionError(`watch ${path}: ${err.message}`, err)));
        res.on('close', () => finish(aborted ? undefined : res.complete ? undefined : new ConnectionError(`watch ${path}: connection closed`)));
      });
      request.on('error', (err) => finish(new ConnectionError(`watch ${path}: ${err.message}`, err)));
      request.end();
    });
    return {
      abort: () => {
        if (aborted) return;
        aborted = true;
        request?.destroy();
      },
      done,
    };
  }

  /** The served resources (main resources only, not subresources), in each group's preferred version. */
  async discover(): Promise<DiscoveredResource[]> {
    const groupVersions: Array<{ group: string; version: string }> = [];
    const core = await this.request<{ versions?: string[] }>('GET', '/api');
    for (const version of core.versions ?? []) groupVersions.push({ group: '', version });
    // One version per group, the preferred one, as client-go's ServerPreferredResources: the same objects served
    // in two versions (autoscaling v2 and v1) must not look like two resources.
    const groups = await this.request<{ groups?: Array<{ name: string; versions: Array<{ version: string }>; preferredVersion?: { version: string } }> }>('GET', '/apis');
    for (const g of groups.groups ?? []) {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      if (version) groupVersions.push({ group: g.name, version });
    }
    const lists = await Promise.all(groupVersions.map(async (gv) => {
      const path = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
      const list = await this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[]; shortNames?: string[] }> }>('GET', path);
      return (list.resources ?? [])
        .filter((r) => !r.name.includes('/'))
        .map((r): DiscoveredResource => ({
          group: gv.group, version: gv.version, plural: r.name, kind: r.kind, namespaced: r.namespaced,
          verbs: r.verbs ?? [], shortNames: r.shortNames ?? [],
        }));
    }));
    return lists.flat();
  }

  /** A raw request: JSON in, JSON out (a non-JSON 2xx body comes back as text); non-2xx answers throw ApiError. */
  async request<R>(method: string, path: string, options: RequestOptions = {}): Promise<R> {
    try {
      return await this.send<R>(method, path, options);
    } catch (err) {
      // A keep-alive socket the server closed while idle fails before the request reached it: retry once.
      if (err instanceof StaleSocketError) return this.send<R>(method, path, options);
      throw err;
    }
  }

  private send<R>(method: string, path: string, options: RequestOptions): Promise<R> {
    const url = new URL(path + buildQuery(options.query ?? {}), this.server);
    const payload = options.body === undefined ? undefined
      : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...this.headers, Accept: options.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<R>((resolve, reject) => {
      let answered = false;
      const req = this.transport.request(url, { method, agent: this.agent, headers }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(new ConnectionError(`${method} ${path}: ${err.message}`, err)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status >= 300) return reject(errorFromResponse(status, text));
          if (!text) return resolve(undefined as R);
          try {
            resolve(JSON.parse(text) as R);
          } catch {
            resolve(text as R);
          }
        });
      });
      req.setTimeout(timeoutMs, () => {
        req.destroy(new ConnectionError(`${method} ${path}: no answer within ${timeoutMs} ms`));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ConnectionError) return reject(err);
        const message = `${method} ${path}: ${err.message}`;
        reject(!answered && req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError(message, err) : new ConnectionError(message, err));
      });
      req.end(payload);
    });
  }

  private async put<T extends Resource>(ref: Ref<T>, obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new ApiError(400, 'BadRequest', 'update needs metadata.name');
    const namespace = options.namespace ?? obj.metadata?.namespace;
    return this.request<T>('PUT', resourcePath(ref, namespace, name, subresource), {
      body: withTypeMeta(ref, obj), query: writeQuery(options),
    });
  }
}

/** autoscaling/v1 Scale. */
export interface Scale {
  apiVersion: string;
  kind: 'Scale';
  metadata: KubeObject['metadata'];
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

function withTypeMeta<T extends Resource>(ref: Ref<T>, obj: T): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(ref), ...(ref.kind && !obj.kind ? { kind: ref.kind } : {}) };
}

function writeQuery(options: WriteOptions): RequestOptions['query'] {
  return {
    fieldManager: options.fieldManager,
    dryRun: options.dryRun ? 'All' : undefined,
    fieldValidation: options.fieldValidation,
  };
}

function buildQuery(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function errorFromResponse(status: number, text: string): ApiError {
  try {
    const body: unknown = JSON.parse(text);
    if (isStatus(body)) return ApiError.fromStatus({ ...body, code: body.code || status });
  } catch { /* not JSON: fall through */ }
  return new ApiError(status, REASONS[status] ?? 'InternalError', text.trim() || `the server answered HTTP ${status}`);
}

export { ApiError };
export type { WatchEvent };

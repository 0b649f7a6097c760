/** Routes /api/... and /apis/... requests to the verbs: parses HTTP (path, query, body), answers with objects or Status. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors, type Status } from '../api/errors.js';
import { apiVersionOf, isObject, type KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import type { ServerContext } from './context.js';
import { applyPatch, type FieldValidation } from './deps.js';
import { apiResourceList, groupVersions } from './discovery.js';
import { listObjects } from './list.js';
import { decodeObjectBody, encodeBody, negotiate, parseJson, parseYamlBody, patchTypeOf, type AcceptInfo } from './negotiation.js';
import { metaOf } from './object-codec.js';
import { handlePodConnect, servedConnectSubresources } from './pod-connect.js';
import { parseResourcePath, type RequestInfo } from './request-info.js';
import { ResourceStorage, nowTimestamp, type DeleteOptions, type WriteOptions } from './resource-storage.js';
import { applyScale, toScale } from './scale.js';
import { parseSelection } from './selection.js';
import { parseIncludeObject, toTable } from './table.js';
import { checkWatchRequest, serveWatch } from './watch.js';

type Query = Record<string, string | string[] | undefined>;

function q(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function boolParam(query: Query, name: string): boolean {
  const v = q(query, name);
  return v === 'true' || v === '1';
}

function intParam(query: Query, name: string): number | undefined {
  const v = q(query, name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,12}$/.test(v)) throw errors.badRequest(`${name}: Invalid value: "${v}": must be an integer`);
  return Number(v);
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

export function send(reply: FastifyReply, code: number, value: unknown, accept: AcceptInfo, warnings: string[] = []): FastifyReply {
  const { body, contentType } = encodeBody(value, accept.format);
  if (warnings.length > 0) reply.header('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
  return reply.code(code).type(contentType).send(body);
}

function successStatus(kind: ResourceKind, obj: KubeObject, code = 200): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: obj.metadata.name, group: kind.group, kind: kind.plural, uid: obj.metadata.uid }, code } as Status;
}

/** Kubernetes' default field manager: the user agent up to the first '/' (e.g. "kubectl"). */
function defaultManager(userAgent: string | undefined): string {
  const name = (userAgent ?? '').split('/')[0]!.trim();
  return name.slice(0, 128) || 'unknown';
}

function writeOptions(query: Query, userAgent?: string): WriteOptions {
  const dryRun = query['dryRun'];
  const values = (Array.isArray(dryRun) ? dryRun : dryRun === undefined ? [] : [dryRun]).filter((v) => v !== '');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  const fv = q(query, 'fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore' && fv !== '') {
    throw errors.badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const fieldManager = q(query, 'fieldManager');
  if (fieldManager !== undefined && fieldManager.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
  return { dryRun: values.length > 0, fieldValidation: (fv || 'Warn') as FieldValidation, fieldManager: fieldManager || (userAgent === undefined ? undefined : defaultManager(userAgent)) };
}

function deleteOptions(query: Query, body: Buffer | undefined, contentType: string | undefined): DeleteOptions {
  let opts: Record<string, unknown> = {};
  if (body && body.length > 0) opts = decodeObjectBody(body, contentType);
  const grace = opts['gracePeriodSeconds'] ?? intParam(query, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace))) throw errors.badRequest('gracePeriodSeconds must be an integer');
  let policy = opts['propagationPolicy'] ?? q(query, 'propagationPolicy');
  const orphan = opts['orphanDependents'] ?? (q(query, 'orphanDependents') !== undefined ? boolParam(query, 'orphanDependents') : undefined);
  if (policy === undefined && orphan !== undefined && orphan !== null) policy = orphan ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== null && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Background", "Foreground", "Orphan"`);
  }
  const pre = opts['preconditions'];
  if (pre !== undefined && pre !== null && !isObject(pre)) throw errors.badRequest('preconditions must be an object');
  const preconditions = isObject(pre) ? { uid: typeof pre['uid'] === 'string' ? pre['uid'] : undefined, resourceVersion: typeof pre['resourceVersion'] === 'string' ? pre['resourceVersion'] : undefined } : undefined;
  const bodyDryRun = Array.isArray(opts['dryRun']) && opts['dryRun'].includes('All');
  return {
    gracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
    propagationPolicy: (policy ?? undefined) as DeleteOptions['propagationPolicy'],
    preconditions,
    dryRun: bodyDryRun || writeOptions(query).dryRun,
  };
}

export class RestHandler {
  private readonly storage: ResourceStorage;

  constructor(private readonly ctx: ServerContext) {
    this.storage = new ResourceStorage(ctx);
  }

  get resourceStorage(): ResourceStorage {
    return this.storage;
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const accept = negotiate(request.headers.accept);
    const url = request.url;
    const qi = url.indexOf('?');
    const info = parseResourcePath(qi >= 0 ? url.slice(0, qi) : url);
    if (!info) throw notFoundPath();
    const query = (request.query ?? {}) as Query;
    if (!info.plural) return this.discovery(info, request, reply, accept);

    const kind = this.ctx.kinds.byResource(info.group, info.version, info.plural);
    if (!kind) throw notFoundPath();
    if (!kind.namespaced && info.namespace !== undefined) throw notFoundPath();
    if (kind.namespaced && info.name !== undefined && info.namespace === undefined) throw notFoundPath();
    const method = request.method;
    const body = request.body as Buffer | undefined;
    const contentType = request.headers['content-type'];

    if (info.name === undefined) {
      switch (method) {
        case 'GET':
          if (boolParam(query, 'watch')) return this.watch(kind, info, query, accept, reply);
          return this.list(kind, info, query, accept, reply);
        case 'POST': {
          if (kind.namespaced && info.namespace === undefined) throw errors.methodNotAllowed(`create is not supported on the all-namespaces path; POST to /namespaces/NAMESPACE/${kind.plural}`);
          const opts = writeOptions(query, request.headers['user-agent'] ?? '');
          const result = await this.storage.create(kind, info.namespace, decodeObjectBody(body, contentType), opts);
          return send(reply, 201, result.object, accept, result.warnings);
        }
        case 'DELETE':
          return this.deleteCollection(kind, info, query, body, contentType, accept, reply);
        default:
          throw errors.methodNotAllowed(`${method} is not supported on a collection of ${kind.plural}`);
      }
    }

    const name = info.name;
    if (info.subresource === undefined) {
      switch (method) {
        case 'GET': {
          const { object } = await this.storage.get(kind, info.namespace, name);
          if (accept.table) {
            return send(reply, 200, toTable(kind, [object], { resourceVersion: object.metadata.resourceVersion }, parseIncludeObject(q(query, 'includeObject'))), accept);
          }
          return send(reply, 200, object, accept);
        }
        case 'PUT': {
          const result = await this.storage.update(kind, info.namespace, name, decodeObjectBody(body, contentType), writeOptions(query, request.headers['user-agent'] ?? ''));
          return send(reply, 200, result.object, accept, result.warnings);
        }
        case 'PATCH':
          return this.patch(kind, info, name, undefined, query, body, contentType, accept, reply);
        case 'DELETE': {
          const result = await this.storage.delete(kind, info.namespace, name, deleteOptions(query, body, contentType));
          const returnsObject = !result.deleted || (kind.group === '' && (kind.kind === 'Pod' || kind.kind === 'Service'));
          return send(reply, 200, returnsObject ? result.object : successStatus(kind, result.object), accept);
        }
        default:
          throw errors.methodNotAllowed(`${method} is not supported on ${kind.plural}/${name}`);
      }
    }
    return this.subresource(kind, info, name, info.subresource, method, query, body, contentType, accept, request, reply);
  }

  private discovery(info: RequestInfo, request: FastifyRequest, reply: FastifyReply, accept: AcceptInfo): FastifyReply {
    if (request.method !== 'GET') throw errors.methodNotAllowed(`${request.method} is not supported on discovery documents`);
    const gv = groupVersions(this.ctx.kinds.all).find((g) => g.group === info.group && g.version === info.version);
    if (!gv) throw notFoundPath();
    return send(reply, 200, apiResourceList(gv, servedConnectSubresources), { ...accept, table: false });
  }

  private async list(kind: ResourceKind, info: RequestInfo, query: Query, accept: AcceptInfo, reply: FastifyReply): Promise<FastifyReply> {
    const selection = parseSelection(kind, q(query, 'labelSelector'), q(query, 'fieldSelector'));
    const limit = intParam(query, 'limit');
    if (limit !== undefined && limit < 0) throw errors.badRequest('limit must not be negative');
    const result = await listObjects(this.ctx, kind, {
      namespace: info.namespace, selection, limit,
      continueToken: q(query, 'continue') || undefined,
      resourceVersion: q(query, 'resourceVersion'), resourceVersionMatch: q(query, 'resourceVersionMatch'),
    });
    const listMeta: Record<string, unknown> = { resourceVersion: String(result.revision) };
    if (result.continueToken) listMeta['continue'] = result.continueToken;
    if (accept.table) return send(reply, 200, toTable(kind, result.items, listMeta, parseIncludeObject(q(query, 'includeObject'))), accept);
    // Items carry kind and apiVersion, as kubectl and client libraries print them.
    return send(reply, 200, { apiVersion: apiVersionOf(kind), kind: kind.listKind, metadata: listMeta, items: result.items }, accept);
  }

  private async watch(kind: ResourceKind, info: RequestInfo, query: Query, accept: AcceptInfo, reply: FastifyReply): Promise<void> {
    const selection = parseSelection(kind, q(query, 'labelSelector'), q(query, 'fieldSelector'));
    const watchRequest = {
      namespace: info.namespace, selection,
      resourceVersion: q(query, 'resourceVersion'),
      allowBookmarks: boolParam(query, 'allowWatchBookmarks'),
      timeoutSeconds: intParam(query, 'timeoutSeconds'),
      table: accept.table ? { include: parseIncludeObject(q(query, 'includeObject')) } : undefined,
    };
    checkWatchRequest(watchRequest);
    reply.hijack();
    await serveWatch(this.ctx, kind, watchRequest, reply.raw);
  }

  private async deleteCollection(kind: ResourceKind, info: RequestInfo, query: Query, body: Buffer | undefined, contentType: string | undefined, accept: AcceptInfo, reply: FastifyReply): Promise<FastifyReply> {
    const options = deleteOptions(query, body, contentType);
    const selection = parseSelection(kind, q(query, 'labelSelector'), q(query, 'fieldSelector'));
    const listed = await listObjects(this.ctx, kind, { namespace: info.namespace, selection });
    const items: KubeObject[] = [];
    for (const obj of listed.items) {
      try {
        const result = await this.storage.delete(kind, obj.metadata.namespace, obj.metadata.name!, options);
        items.push(result.object);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return send(reply, 200, { apiVersion: apiVersionOf(kind), kind: kind.listKind, metadata: { resourceVersion: String(listed.revision) }, items }, accept);
  }

  private async patch(kind: ResourceKind, info: RequestInfo, name: string, subresource: 'status' | undefined, query: Query, body: Buffer | undefined, contentType: string | undefined, accept: AcceptInfo, reply: FastifyReply): Promise<FastifyReply> {
    const type = patchTypeOf(contentType);
    const patchDoc = type === 'apply' ? parseYamlBody(body) : parseJson(body);
    const opts = writeOptions(query, reply.request.headers['user-agent'] ?? '');
    if (type === 'apply' && !q(query, 'fieldManager')) throw errors.badRequest('PATCH with content type application/apply-patch+yaml requires the fieldManager query parameter');
    const force = boolParam(query, 'force');
    if (q(query, 'force') !== undefined && type !== 'apply') throw errors.badRequest('force: Forbidden: may not be specified for non-apply patch');
    const patchRequest = { type, kind, patch: patchDoc, fieldManager: opts.fieldManager, force, subresource };
    if (type === 'apply' && subresource === undefined) {
      // Server-side apply creates the object when it does not exist.
      try {
        await this.storage.get(kind, info.namespace, name);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        const created = applyPatch(undefined, patchRequest);
        if (!isObject(created)) throw errors.badRequest('the apply configuration must be an object');
        const meta = isObject(created.metadata) ? created.metadata : {};
        if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
        created.metadata = { ...meta, name };
        const result = await this.storage.create(kind, info.namespace, created, { ...opts, managedFieldsSet: true });
        return send(reply, 201, result.object, accept, result.warnings);
      }
    }
    const result = await this.storage.guaranteedUpdate(kind, info.namespace, name, (current) => applyPatch(current, patchRequest), { ...opts, subresource, managedFieldsSet: type === 'apply' });
    return send(reply, 200, result.object, accept, result.warnings);
  }

  private async subresource(kind: ResourceKind, info: RequestInfo, name: string, sub: string, method: string, query: Query, body: Buffer | undefined, contentType: string | undefined, accept: AcceptInfo, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const isPod = kind.group === '' && kind.kind === 'Pod';
    const isNamespace = kind.group === '' && kind.kind === 'Namespace';
    const nonTable = { ...accept, table: false };
    if (sub === 'status' && (kind.hasStatusSubresource || kind.subresources.includes('status'))) {
      switch (method) {
        case 'GET':
          return send(reply, 200, (await this.storage.get(kind, info.namespace, name)).object, nonTable);
        case 'PUT': {
          const desired = decodeObjectBody(body, contentType);
          const result = await this.storage.update(kind, info.namespace, name, desired, { ...writeOptions(query, request.headers['user-agent'] ?? ''), subresource: 'status' });
          return send(reply, 200, result.object, nonTable, result.warnings);
        }
        case 'PATCH':
          return this.patch(kind, info, name, 'status', query, body, contentType, nonTable, reply);
      }
      throw errors.methodNotAllowed(`${method} is not supported on ${kind.plural}/status`);
    }
    if (sub === 'scale' && kind.subresources.includes('scale')) {
      switch (method) {
        case 'GET':
          return send(reply, 200, toScale((await this.storage.get(kind, info.namespace, name)).object), nonTable);
        case 'PUT': {
          const scale = decodeObjectBody(body, contentType);
          const scaleMeta = isObject(scale['metadata']) ? scale['metadata'] : {};
          if (scaleMeta['name'] !== undefined && scaleMeta['name'] !== name) throw errors.badRequest(`the name of the object (${String(scaleMeta['name'])}) does not match the name on the URL (${name})`);
          const result = await this.storage.guaranteedUpdate(kind, info.namespace, name, (current) => applyScale(kind, current, scale), writeOptions(query, request.headers['user-agent'] ?? ''));
          return send(reply, 200, toScale(result.object), nonTable);
        }
        case 'PATCH': {
          const type = patchTypeOf(contentType);
          if (type === 'apply') throw errors.unsupportedMediaType(contentType ?? '');
          const patchDoc = parseJson(body);
          const result = await this.storage.guaranteedUpdate(kind, info.namespace, name, (current) => {
            const patched = applyPatch(toScale(current), { type: type === 'strategic' ? 'merge' : type, kind, patch: patchDoc, force: false });
            return applyScale(kind, current, patched);
          }, writeOptions(query, request.headers['user-agent'] ?? ''));
          return send(reply, 200, toScale(result.object), nonTable);
        }
      }
      throw errors.methodNotAllowed(`${method} is not supported on ${kind.plural}/scale`);
    }
    if (isPod && sub === 'binding' && kind.subresources.includes('binding')) {
      if (method !== 'POST') throw errors.methodNotAllowed(`${method} is not supported on pods/binding`);
      const binding = decodeObjectBody(body, contentType);
      const target = isObject(binding['target']) ? binding['target'] : {};
      const node = target['name'];
      if (typeof node !== 'string' || node === '') {
        throw errors.invalid('', 'Binding', name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
      }
      const opts = writeOptions(query, request.headers['user-agent'] ?? '');
      await this.storage.guaranteedUpdate(kind, info.namespace, name, (pod) => {
        const spec = (isObject(pod['spec']) ? pod['spec'] : (pod['spec'] = {})) as Record<string, unknown>;
        if (pod.metadata.deletionTimestamp) throw errors.conflict('', 'pods', name, 'pod is being deleted, cannot be assigned to a host');
        if (spec['nodeName']) throw errors.conflict('', 'pods', name, `pod ${name} is already assigned to node "${String(spec['nodeName'])}"`);
        spec['nodeName'] = node;
        const status = (isObject(pod['status']) ? pod['status'] : (pod['status'] = {})) as Record<string, unknown>;
        const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Array<Record<string, unknown>>;
        const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() };
        status['conditions'] = [...conditions.filter((c) => c['type'] !== 'PodScheduled'), scheduled];
        return pod;
      }, { ...opts, subresource: 'binding' });
      return send(reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, nonTable);
    }
    if (isPod && sub === 'eviction' && kind.subresources.includes('eviction')) {
      if (method !== 'POST') throw errors.methodNotAllowed(`${method} is not supported on pods/eviction`);
      const eviction = decodeObjectBody(body, contentType);
      const evictionMeta = isObject(eviction['metadata']) ? eviction['metadata'] : {};
      if (evictionMeta['name'] !== undefined && evictionMeta['name'] !== name) throw errors.badRequest(`the name of the eviction (${String(evictionMeta['name'])}) does not match the pod name on the URL (${name})`);
      const embedded = isObject(eviction['deleteOptions']) ? Buffer.from(JSON.stringify(eviction['deleteOptions'])) : undefined;
      await this.storage.delete(kind, info.namespace, name, deleteOptions(query, embedded, 'application/json'));
      return send(reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, nonTable);
    }
    if (isNamespace && sub === 'finalize') {
      if (method !== 'PUT') throw errors.methodNotAllowed(`${method} is not supported on namespaces/finalize`);
      const desired = decodeObjectBody(body, contentType);
      const spec = isObject(desired['spec']) ? desired['spec'] : {};
      const desiredMeta = isObject(desired['metadata']) ? desired['metadata'] : {};
      const result = await this.storage.guaranteedUpdate(kind, undefined, name, (ns) => {
        const nsSpec = (isObject(ns['spec']) ? ns['spec'] : (ns['spec'] = {})) as Record<string, unknown>;
        nsSpec['finalizers'] = Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
        if (typeof desiredMeta['resourceVersion'] === 'string' && desiredMeta['resourceVersion']) metaOf(ns).resourceVersion = desiredMeta['resourceVersion'];
        return ns;
      }, writeOptions(query, request.headers['user-agent'] ?? ''));
      return send(reply, 200, result.object, nonTable);
    }
    if (isPod && (servedConnectSubresources as string[]).includes(sub)) {
      const { object: pod } = await this.storage.get(kind, info.namespace, name);
      return handlePodConnect({ ctx: this.ctx, subresource: sub, pod, request, reply });
    }
    throw notFoundPath();
  }
}

/**
 * Storage semantics of the REST verbs (what kube-apiserver's generic registry does): create with generated
 * names and server-set metadata, compare-and-swap updates with internal retries, generation and status rules,
 * graceful and finalizer-guarded deletion, dry runs. Handlers parse HTTP; this file decides what is stored.
 */
import { randomUUID, randomInt } from 'node:crypto';
import { ApiError, errors, type StatusCause } from '../api/errors.js';
import { apiVersionOf, isObject, type KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { StoreError, type KeyValue } from '../store/store.js';
import type { ServerContext } from './context.js';
import { checkSchema, trackManagedFields, type FieldValidation } from './deps.js';
import { decodeObject, encodeObject, jsonEqual, metaOf, objectKey, servedObject, specChanged } from './object-codec.js';

export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** Owner of the written fields in managedFields (the fieldManager parameter, else the client's user agent). */
  fieldManager?: string;
  /** Server-side apply already set managedFields. */
  managedFieldsSet?: boolean;
}

/** status: only status changes; binding: spec.nodeName and status (pods/binding) may both change. */
export type WriteSubresource = 'status' | 'binding';

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

export interface DeleteResult {
  /** The object as it was deleted, or as it lingers with deletionTimestamp set. */
  object: KubeObject;
  /** False when it lingers (finalizers, graceful pod deletion, terminating namespace). */
  deleted: boolean;
}

/** Mutates a fresh copy of the current object into the desired one (for update, patch and subresources). */
export type Mutation = (current: KubeObject) => KubeObject | Promise<KubeObject>;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_RANDOM_LENGTH = 5;
const MAX_GENERATED_NAME_LENGTH = 63;
const UPDATE_ATTEMPTS = 5;

export function nowTimestamp(offsetSeconds = 0): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < GENERATE_NAME_RANDOM_LENGTH; i++) suffix += GENERATE_NAME_ALPHABET[randomInt(GENERATE_NAME_ALPHABET.length)];
  return prefix.slice(0, MAX_GENERATED_NAME_LENGTH - GENERATE_NAME_RANDOM_LENGTH) + suffix;
}

/** Path-segment safety for names used in store keys (Kubernetes: IsValidPathSegmentName). */
function pathSegmentCauses(field: string, value: string): StatusCause[] {
  if (value === '.' || value === '..') return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${value}": may not be '${value}'`, field }];
  for (const bad of ['/', '%']) {
    if (value.includes(bad)) return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${value}": may not contain '${bad}'`, field }];
  }
  return [];
}

function finalizersOf(obj: KubeObject): string[] {
  return obj.metadata.finalizers ?? [];
}

/** Namespaces also wait for spec.finalizers (the namespace controller removes "kubernetes"). */
function hasPendingFinalizers(kind: ResourceKind, obj: KubeObject): boolean {
  if (finalizersOf(obj).length > 0) return true;
  if (kind.group === '' && kind.kind === 'Namespace') {
    const spec = obj['spec'];
    return isObject(spec) && Array.isArray(spec['finalizers']) && spec['finalizers'].length > 0;
  }
  return false;
}

export class ResourceStorage {
  constructor(private readonly ctx: ServerContext) {}

  // Every verb takes the kind in the version the client asked for. A kind with `storage` (another served
  // version) is checked against its own schema, converted, and written as its storage kind; results convert back.

  async get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<{ kv: KeyValue; object: KubeObject }> {
    const kv = await this.ctx.store.get(objectKey(kind, namespace, name));
    if (!kv) throw errors.notFound(kind.group, kind.plural, name);
    return { kv, object: servedObject(kind, decodeObject(kv)) };
  }

  async create(kind: ResourceKind, namespace: string | undefined, body: Record<string, unknown>, options: WriteOptions): Promise<WriteResult> {
    const obj = this.checkTypeAndNamespace(kind, namespace, body);
    const { object, warnings } = this.schemaCheck(kind, obj, options.fieldValidation);
    if (kind.storage) {
      const stored = await this.create(kind.storage.kind, namespace, kind.storage.toStorage(object), options);
      return { object: kind.storage.fromStorage(stored.object), warnings: [...warnings, ...stored.warnings] };
    }
    let meta = metaOf(object);
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    const generated = !meta.name && !!meta.generateName;
    if (!meta.name && !meta.generateName) {
      throw errors.invalid(kind.group, kind.kind, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    }
    if (generated) meta.name = generateName(meta.generateName!);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (kind.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (kind.hasStatusSubresource && resetsStatusOnCreate(kind)) delete object['status'];
    kind.applyDefaults(object);
    this.validate(kind, object);
    if (!options.managedFieldsSet && options.fieldManager) {
      Object.assign(object, withManagedFields(kind, undefined, object, options.fieldManager));
      meta = metaOf(object);
    }

    const admitted: KubeObject[] = [];
    try {
      for (const hook of this.ctx.admission) await hook.beforeCreate?.(kind, object, options.dryRun);
      admitted.push(object);
      if (options.dryRun) return { object, warnings };
      for (let attempt = 0; ; attempt++) {
        try {
          const kv = await this.ctx.store.create(objectKey(kind, meta.namespace, meta.name!), encodeObject(object));
          meta.resourceVersion = String(kv.modRevision);
          admitted.length = 0;
          return { object, warnings };
        } catch (err) {
          if (!(err instanceof StoreError) || err.code !== 'KeyExists') throw err;
          if (!generated || attempt >= 5) throw errors.alreadyExists(kind.group, kind.plural, meta.name!);
          meta.name = generateName(meta.generateName!);
        }
      }
    } finally {
      for (const obj of admitted) for (const hook of this.ctx.admission) hook.released?.(kind, obj);
    }
  }

  /** PUT: the body replaces the object; a body resourceVersion must match the stored one. */
  async update(kind: ResourceKind, namespace: string | undefined, name: string, body: Record<string, unknown>, options: WriteOptions & { subresource?: WriteSubresource }): Promise<WriteResult> {
    const desired = this.checkTypeAndNamespace(kind, namespace, body);
    if (desired.metadata.name !== undefined && desired.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`);
    }
    desired.metadata.name = name;
    return this.guaranteedUpdate(kind, namespace, name, () => structuredCloneJson(desired), options);
  }

  /**
   * Read, mutate, check and compare-and-swap, retrying on write conflicts. A mutation result whose
   * resourceVersion differs from the current one (a stale PUT or patch) is 409 Conflict.
   */
  async guaranteedUpdate(kind: ResourceKind, namespace: string | undefined, name: string, mutate: Mutation, options: WriteOptions & { subresource?: WriteSubresource }): Promise<WriteResult> {
    const conversion = kind.storage;
    if (conversion) {
      let warnings: string[] = [];
      const stored = await this.guaranteedUpdate(conversion.kind, namespace, name, async (current) => {
        const candidate = await mutate(conversion.fromStorage(current));
        if (!isObject(candidate) || !isObject(candidate.metadata)) throw errors.badRequest('the result is not an object with metadata');
        this.checkIdentity(kind, namespace, name, candidate);
        const checked = this.schemaCheck(kind, { ...candidate, apiVersion: apiVersionOf(kind), kind: kind.kind }, options.fieldValidation);
        warnings = checked.warnings;
        return conversion.toStorage(checked.object);
      }, options);
      return { object: conversion.fromStorage(stored.object), warnings: [...warnings, ...stored.warnings] };
    }
    const key = objectKey(kind, namespace, name);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const kv = await this.ctx.store.get(key);
      if (!kv) throw errors.notFound(kind.group, kind.plural, name);
      const old = decodeObject(kv);
      const candidate = await mutate(decodeObject(kv));
      if (!isObject(candidate) || !isObject(candidate.metadata)) throw errors.badRequest('the result is not an object with metadata');
      this.checkIdentity(kind, namespace, name, candidate);
      const pinned = candidate.metadata.resourceVersion;
      if (pinned && pinned !== old.metadata.resourceVersion) throw errors.conflict(kind.group, kind.plural, name);
      const prepared = this.prepareUpdate(kind, old, candidate, options);
      const warnings = prepared.warnings;
      const object = !options.managedFieldsSet && options.fieldManager
        ? withManagedFields(kind, old, prepared.object, options.fieldManager, options.subresource)
        : prepared.object;

      const reserved: KubeObject[] = [];
      try {
        for (const hook of this.ctx.admission) await hook.beforeUpdate?.(kind, object, old, options.dryRun);
        reserved.push(object);
        if (jsonEqual(object, old)) return { object: old, warnings };
        if (object.metadata.deletionTimestamp && !hasPendingFinalizers(kind, object)) {
          if (options.dryRun) return { object, warnings };
          try {
            await this.ctx.store.delete(key, kv.modRevision);
          } catch (err) {
            if (err instanceof StoreError && (err.code === 'Conflict' || err.code === 'NotFound')) continue;
            throw translateStoreError(err, kind, name);
          }
          for (const hook of this.ctx.admission) hook.afterDelete?.(kind, old);
          return { object, warnings };
        }
        if (options.dryRun) return { object, warnings };
        try {
          const written = await this.ctx.store.update(key, encodeObject(object), kv.modRevision);
          metaOf(object).resourceVersion = String(written.modRevision);
          reserved.length = 0;
          return { object, warnings };
        } catch (err) {
          if (err instanceof StoreError && err.code === 'Conflict') continue;
          throw translateStoreError(err, kind, name);
        }
      } finally {
        for (const obj of reserved) for (const hook of this.ctx.admission) hook.released?.(kind, obj);
      }
    }
    throw errors.conflict(kind.group, kind.plural, name);
  }

  async delete(kind: ResourceKind, namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    if (kind.storage) {
      const result = await this.delete(kind.storage.kind, namespace, name, options);
      return { ...result, object: kind.storage.fromStorage(result.object) };
    }
    const key = objectKey(kind, namespace, name);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const kv = await this.ctx.store.get(key);
      if (!kv) throw errors.notFound(kind.group, kind.plural, name);
      const current = decodeObject(kv);
      const meta = current.metadata;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw errors.conflict(kind.group, kind.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw errors.conflict(kind.group, kind.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${meta.resourceVersion}`);
      }

      const grace = this.gracePeriod(kind, current, options.gracePeriodSeconds);
      const finalizers = [...finalizersOf(current)];
      const addFinalizer = options.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : options.propagationPolicy === 'Orphan' ? 'orphan' : undefined;
      if (addFinalizer && !finalizers.includes(addFinalizer)) finalizers.push(addFinalizer);
      if (options.propagationPolicy === 'Background') {
        // An explicit Background delete drops a pending foreground/orphan request, as Kubernetes does.
        for (const f of ['foregroundDeletion', 'orphan']) if (f !== addFinalizer && finalizers.includes(f) && !finalizersOf(current).includes(f)) finalizers.splice(finalizers.indexOf(f), 1);
      }
      const isNamespace = kind.group === '' && kind.kind === 'Namespace';
      const lingers = grace > 0 || finalizers.length > 0 || (isNamespace && hasPendingFinalizers(kind, current));

      if (lingers) {
        const next = decodeObject(kv);
        const nm = metaOf(next);
        const already = nm.deletionTimestamp !== undefined;
        const shorter = already && nm.deletionGracePeriodSeconds !== undefined && grace < nm.deletionGracePeriodSeconds;
        if (already && !shorter && finalizers.length === finalizersOf(current).length) return { object: current, deleted: false };
        if (!already || shorter) {
          nm.deletionTimestamp = nowTimestamp(grace);
          nm.deletionGracePeriodSeconds = grace;
        }
        if (finalizers.length > 0) nm.finalizers = finalizers;
        if (isNamespace) {
          const status = (isObject(next['status']) ? next['status'] : {}) as Record<string, unknown>;
          status['phase'] = 'Terminating';
          next['status'] = status;
        }
        if (!hasPendingFinalizers(kind, next) && grace === 0) {
          // Shortened to zero with nothing else holding it: fall through to a real delete below.
        } else {
          if (options.dryRun) return { object: next, deleted: false };
          try {
            const written = await this.ctx.store.update(key, encodeObject(next), kv.modRevision);
            nm.resourceVersion = String(written.modRevision);
            return { object: next, deleted: false };
          } catch (err) {
            if (err instanceof StoreError && err.code === 'Conflict') continue;
            throw translateStoreError(err, kind, name);
          }
        }
      }

      if (options.dryRun) return { object: current, deleted: true };
      try {
        const deleted = await this.ctx.store.delete(key, kv.modRevision);
        metaOf(current).resourceVersion = String(deleted.modRevision);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict') continue;
        throw translateStoreError(err, kind, name);
      }
      for (const hook of this.ctx.admission) hook.afterDelete?.(kind, current);
      return { object: current, deleted: true };
    }
    throw errors.conflict(kind.group, kind.plural, name);
  }

  /** Pods on a node get the grace period (the node agent finishes the delete); everything else goes at once. */
  private gracePeriod(kind: ResourceKind, obj: KubeObject, requested: number | undefined): number {
    if (!(kind.group === '' && kind.kind === 'Pod')) return 0;
    const spec = isObject(obj['spec']) ? obj['spec'] : {};
    const status = isObject(obj['status']) ? obj['status'] : {};
    if (!spec['nodeName']) return 0;
    if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return 0;
    const grace = requested ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    // 0 is a forced delete (kubectl --force, or the node agent once the containers are gone).
    return Math.max(0, grace);
  }

  private checkTypeAndNamespace(kind: ResourceKind, namespace: string | undefined, body: Record<string, unknown>): KubeObject {
    const expected = apiVersionOf(kind);
    if (body['apiVersion'] !== undefined && body['apiVersion'] !== expected) {
      throw errors.badRequest(`the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${expected})`);
    }
    if (body['kind'] !== undefined && body['kind'] !== kind.kind) {
      throw errors.badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (${kind.kind})`);
    }
    body['apiVersion'] = expected;
    body['kind'] = kind.kind;
    if (body['metadata'] === undefined || body['metadata'] === null) body['metadata'] = {};
    if (!isObject(body['metadata'])) throw errors.badRequest('metadata: expected an object');
    const meta = body['metadata'] as Record<string, unknown>;
    if (kind.namespaced) {
      if (meta['namespace'] !== undefined && meta['namespace'] !== '' && meta['namespace'] !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta['namespace'] = namespace;
    } else {
      delete meta['namespace'];
    }
    return body as KubeObject;
  }

  /** A write may not move an object: its kind, name and namespace must be the ones on the URL. */
  private checkIdentity(kind: ResourceKind, namespace: string | undefined, name: string, obj: KubeObject): void {
    const expected = apiVersionOf(kind);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== kind.kind) throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind.kind})`);
    const meta = obj.metadata;
    if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    if (kind.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  private schemaCheck(kind: ResourceKind, obj: KubeObject, fieldValidation: FieldValidation): { object: KubeObject; warnings: string[] } {
    const result = checkSchema(kind, obj, fieldValidation);
    if (result.causes.length > 0) throw errors.invalid(kind.group, kind.kind, obj.metadata.name ?? '', result.causes);
    return { object: result.object, warnings: result.warnings };
  }

  private validate(kind: ResourceKind, obj: KubeObject, old?: KubeObject): void {
    const causes = [...pathSegmentCauses('metadata.name', obj.metadata.name ?? ''), ...kind.validate(obj, old)];
    if (causes.length > 0) throw errors.invalid(kind.group, kind.kind, obj.metadata.name ?? '', causes);
  }

  /** Applies the update rules to a candidate object and checks it. */
  private prepareUpdate(kind: ResourceKind, old: KubeObject, candidate: KubeObject, options: WriteOptions & { subresource?: WriteSubresource }): WriteResult {
    let next: KubeObject;
    let warnings: string[] = [];
    if (options.subresource === 'status') {
      next = decodeCopy(old);
      if (candidate['status'] === undefined) delete next['status'];
      else next['status'] = candidate['status'];
      const checked = this.schemaCheck(kind, next, options.fieldValidation);
      next = checked.object;
      warnings = checked.warnings;
    } else {
      candidate.apiVersion = old.apiVersion;
      candidate.kind = old.kind;
      const checked = this.schemaCheck(kind, candidate, options.fieldValidation);
      next = checked.object;
      warnings = checked.warnings;
      if (kind.hasStatusSubresource && options.subresource === undefined) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = old['status'];
      }
    }
    const meta = metaOf(next);
    const oldMeta = old.metadata;
    if (meta.uid !== undefined && meta.uid !== '' && meta.uid !== oldMeta.uid) {
      throw errors.conflict(kind.group, kind.plural, oldMeta.name ?? '', `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`);
    }
    meta.name = oldMeta.name;
    if (kind.namespaced) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.resourceVersion = oldMeta.resourceVersion;
    delete meta.selfLink;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (meta.managedFields === undefined && oldMeta.managedFields !== undefined) meta.managedFields = oldMeta.managedFields;

    kind.applyDefaults(next);
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    if (kind.tracksGeneration && options.subresource !== 'status' && specChanged(old, next)) meta.generation = (oldMeta.generation ?? 0) + 1;
    this.validate(kind, next, old);
    return { object: next, warnings };
  }
}

function withManagedFields(kind: ResourceKind, old: KubeObject | undefined, next: KubeObject, manager: string, subresource?: WriteSubresource): KubeObject {
  const rv = next.metadata.resourceVersion;
  const tracked = trackManagedFields(kind, old, next, manager, subresource === 'binding' ? undefined : subresource);
  if (rv !== undefined) metaOf(tracked).resourceVersion = rv;
  return tracked;
}

/** Workload kinds start with an empty status: controllers fill it in. Nodes and others keep what the creator sent. */
function resetsStatusOnCreate(kind: ResourceKind): boolean {
  return kind.group === 'apps' || kind.group === 'batch' || (kind.group === '' && (kind.kind === 'Service' || kind.kind === 'Pod'));
}

function decodeCopy(obj: KubeObject): KubeObject {
  return structuredCloneJson(obj);
}

export function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function translateStoreError(err: unknown, kind: ResourceKind, name: string): unknown {
  if (!(err instanceof StoreError)) return err;
  switch (err.code) {
    case 'NotFound': return errors.notFound(kind.group, kind.plural, name);
    case 'Conflict': return errors.conflict(kind.group, kind.plural, name);
    case 'KeyExists': return errors.alreadyExists(kind.group, kind.plural, name);
    case 'Compacted': return errors.gone(err.message);
    case 'Closed': return new ApiError(503, 'ServiceUnavailable', 'the storage is shutting down; retry against a running server');
  }
}

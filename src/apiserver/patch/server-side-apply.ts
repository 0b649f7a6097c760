/**
 * Server-side apply (`application/apply-patch+yaml`) and field ownership in `metadata.managedFields`, after
 * kube-apiserver's fieldmanager and structured-merge-diff's Updater:
 * - `apply` merges the applied configuration into the live object; a field another manager owns and the applier
 *   would change is a conflict (409) unless `force`, which takes ownership. The applier then owns exactly the
 *   fields of its configuration; fields it applied before and dropped now are removed unless someone else owns
 *   them (or something below them).
 * - `recordUpdate` tracks ordinary writes (create/update/patch): the writer owns what it added or changed and
 *   takes those fields from other managers.
 * - As upstream, manager `kubectl` upgrading from client-side apply may take fields whose values still equal the
 *   `kubectl.kubernetes.io/last-applied-configuration` annotation, and keeps that annotation in step.
 * Fields never tracked: apiVersion, kind, metadata.{name, namespace, uid, resourceVersion, generation,
 * creationTimestamp, selfLink, managedFields}, plus `resetFields` the caller names (e.g. status on the main resource).
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import type { SchemaNode } from '../../api/schema/schema-node.js';
import { ApiError, type StatusCause } from '../../api/errors.js';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.js';
import { FieldSet, pathToString, type FieldPath } from './field-set.js';
import { identityResolver, type SchemaResolver } from './patch-schema.js';
import { PatchError } from './patch-error.js';
import { removePath, TypedWalker } from './typed-value.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface FieldManagerOptions {
  /** Schema of the whole object, e.g. the io.k8s.api.apps.v1.Deployment definition. Undefined = no metadata. */
  schema?: SchemaNode;
  resolve?: SchemaResolver;
  /** Clock for managedFields times (tests). */
  now?: Date;
  /** 'status' or 'scale' when writing through a subresource. */
  subresource?: string;
  /** Top-level fields this endpoint resets and nobody owns through it, e.g. [['status']] for the main resource. */
  resetFields?: ReadonlyArray<readonly string[]>;
}

export interface ApplyOptions extends FieldManagerOptions {
  force: boolean;
}

export interface ManagedResult {
  /** The new object, with `metadata.managedFields` set. */
  object: JsonObject;
  managedFields: ManagedFieldsEntry[];
}

export interface FieldConflict {
  /** Manager as shown to users: `"kubectl"` or `"kubectl-client-side-apply" using apps/v1`. */
  manager: string;
  /** Path as shown to users: `.spec.replicas`. */
  field: string;
}

/** 409 Conflict for an apply that would change fields others own; shaped exactly as kube-apiserver answers. */
export class ApplyConflictError extends ApiError {
  constructor(readonly conflicts: FieldConflict[]) {
    super(409, 'Conflict', conflictMessage(conflicts), {
      causes: conflicts.map((c): StatusCause => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: c.field })),
    });
    this.name = 'ApplyConflictError';
  }
}

function conflictMessage(conflicts: FieldConflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${conflicts[0]!.manager}: ${conflicts[0]!.field}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const field of byManager.get(manager)!) lines.push(`- ${field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Managers

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Upstream BuildManagerIdentifier: appliers are one manager whatever apiVersion they used; time never counts. */
function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource ?? '']);
}

function displayName(m: Manager): string {
  return m.operation === 'Update' ? `${JSON.stringify(m.manager)} using ${m.apiVersion}` : JSON.stringify(m.manager);
}

function decodeManagers(entries: unknown): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    if (!isJsonObject(e) || typeof e.manager !== 'string') continue;
    const m: Manager = {
      manager: e.manager,
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    if (typeof e.subresource === 'string' && e.subresource) m.subresource = e.subresource;
    if (typeof e.time === 'string') m.time = e.time;
    const id = managerId(m);
    const previous = out.get(id);
    out.set(id, previous ? { ...m, set: previous.set.union(m.set) } : m);
  }
  return out;
}

function encodeManagers(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.isEmpty());
  list.sort((p, q) => (p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1)
    : (p.time ?? '') !== (q.time ?? '') ? ((p.time ?? '') < (q.time ?? '') ? -1 : 1)
      : p.manager !== q.manager ? (p.manager < q.manager ? -1 : 1)
        : p.apiVersion !== q.apiVersion ? (p.apiVersion < q.apiVersion ? -1 : 1)
          : (p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1));
  return list.map((m) => {
    const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) entry.time = m.time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

let lastStamp = { second: NaN, text: '' };

/** RFC 3339 time to the second, as managedFields record it (one string per second, reused). */
function timestamp(now: Date | undefined): string {
  const second = Math.floor((now ? now.getTime() : Date.now()) / 1000);
  if (second !== lastStamp.second) lastStamp = { second, text: `${new Date(second * 1000).toISOString().slice(0, -5)}Z` };
  return lastStamp.text;
}

// ---------------------------------------------------------------------------------------------------------------
// Field sets of objects, minus what is never tracked

const STRIPPED: FieldPath[] = [
  ['f:apiVersion'], ['f:kind'],
  ...['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'clusterName', 'managedFields']
    .map((f) => ['f:metadata', `f:${f}`]),
];

class FieldManager {
  readonly walker: TypedWalker;
  private readonly reset: FieldPath[];

  constructor(private readonly options: FieldManagerOptions) {
    this.walker = new TypedWalker(options.resolve ?? identityResolver);
    this.reset = [...STRIPPED, ...(options.resetFields ?? []).map((p) => p.map((f) => `f:${f}`))];
  }

  private get root() {
    return this.walker.rootMeta(this.options.schema);
  }

  /** Drops what is never tracked from `set`, a fresh set nobody else holds (changed in place). */
  private tracked(set: FieldSet): FieldSet {
    if (set.isEmpty()) return set;
    set.delete(['f:metadata']);
    for (const r of this.reset) set.deleteSubtree(r);
    return set;
  }

  fieldSet(obj: JsonObject): FieldSet {
    return this.tracked(this.walker.fieldSet(obj, this.root));
  }

  compare(before: JsonObject, after: JsonObject) {
    const c = this.walker.compare(before, after, this.root);
    return { added: this.tracked(c.added), removed: this.tracked(c.removed), modified: this.tracked(c.modified) };
  }

  merge(live: JsonObject, config: JsonObject): JsonObject {
    return this.walker.merge(live, config, this.root) as JsonObject;
  }
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const copy = cloneJson(obj);
  if (isJsonObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/**
 * A copy of the top level and of metadata without managedFields; nested values are shared with `obj`. For reading,
 * and for results that only ever change metadata.managedFields (recordUpdate), it saves a deep copy per write.
 */
function shallowWithoutManagedFields(obj: JsonObject): JsonObject {
  const copy: JsonObject = { ...obj };
  if (isJsonObject(obj.metadata)) {
    const { managedFields: _dropped, ...metadata } = obj.metadata;
    copy.metadata = metadata;
  }
  return copy;
}

function setManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): JsonObject {
  const metadata = isJsonObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (entries.length) metadata.managedFields = entries as unknown as JsonValue;
  else delete metadata.managedFields;
  return obj;
}

function annotation(obj: JsonObject, name: string): string | undefined {
  const meta = obj.metadata;
  const annotations = isJsonObject(meta) ? meta.annotations : undefined;
  const value = isJsonObject(annotations) ? annotations[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Apply

/**
 * Server-side apply of `applied` (the parsed apply configuration) by `manager` onto `live` (undefined = create).
 * Throws ApplyConflictError (409) on conflicts without `force`, PatchError (400) on a malformed configuration.
 * Neither input is changed.
 */
export function apply(live: object | undefined, applied: unknown, manager: string, options: ApplyOptions): ManagedResult {
  if (!isJsonObject(applied)) throw PatchError.malformed('an apply configuration must be an object (a YAML or JSON manifest)');
  if (isJsonObject(applied.metadata) && applied.metadata.managedFields != null) {
    throw PatchError.malformed('metadata.managedFields must be nil in an apply configuration: remove it from the manifest');
  }
  if (!manager) throw PatchError.malformed('PATCH requests with apply-patch+yaml need a fieldManager: set ?fieldManager=NAME');
  const fm = new FieldManager(options);
  const config = cloneJson(applied);
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const liveObj = live ? withoutManagedFields(live as JsonObject) : {};
  const managers = live ? decodeManagers((live as JsonObject).metadata && ((live as JsonObject).metadata as JsonObject).managedFields) : new Map<string, Manager>();
  if (live && managers.size === 0) {
    // Upstream: an object written without field tracking is owned by "before-first-apply".
    const set = fm.fieldSet(liveObj);
    if (!set.isEmpty()) {
      const m: Manager = { manager: 'before-first-apply', operation: 'Update', apiVersion: String(liveObj.apiVersion ?? apiVersion), set };
      managers.set(managerId(m), m);
    }
  }
  const applierId = managerId({ manager, operation: 'Apply', apiVersion, ...(options.subresource ? { subresource: options.subresource } : {}) });
  const previous = managers.get(applierId);
  const configSet = fm.fieldSet(config);

  let merged = cloneJson(fm.merge(liveObj, config));
  // Fields this endpoint resets (status through the main resource…) keep their live values.
  for (const path of options.resetFields ?? []) restoreFrom(liveObj, merged, path);
  const change = fm.compare(liveObj, merged);
  const touched = change.modified.union(change.added);

  const conflicts = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === applierId) continue;
    const c = m.set.intersection(touched);
    if (!c.isEmpty()) conflicts.set(id, c);
  }
  if (conflicts.size && !options.force) {
    const allowed = manager === 'kubectl' ? allowedFromLastApplied(fm, liveObj) : undefined;
    const remaining = [...conflicts].flatMap(([id, set]) =>
      set.sorted().filter((p) => !allowed?.has(p)).map((p) => ({ manager: displayName(managers.get(id)!), field: pathToString(p) })));
    // Only conflicts the client-side-apply upgrade allows are left: they are taken as if forced.
    if (remaining.length) throw new ApplyConflictError(remaining);
  }
  for (const [id, set] of conflicts) {
    const m = managers.get(id)!;
    managers.set(id, { ...m, set: m.set.difference(set) });
  }
  for (const [id, m] of managers) {
    if (id !== applierId) managers.set(id, { ...m, set: m.set.difference(change.removed) });
  }
  const applier: Manager = { manager, operation: 'Apply', apiVersion, set: configSet, time: timestamp(options.now) };
  if (options.subresource) applier.subresource = options.subresource;
  managers.set(applierId, applier);

  if (previous) merged = prune(merged, previous.set.difference(configSet), managers);

  if (manager === 'kubectl' && annotation(merged, LAST_APPLIED_ANNOTATION) !== undefined) {
    const lastApplied = cloneJson(config);
    const annotations = isJsonObject(lastApplied.metadata) && isJsonObject(lastApplied.metadata.annotations) ? lastApplied.metadata.annotations : undefined;
    if (annotations) {
      delete annotations[LAST_APPLIED_ANNOTATION];
      if (Object.keys(annotations).length === 0 && isJsonObject(lastApplied.metadata)) delete lastApplied.metadata.annotations;
    }
    ((merged.metadata as JsonObject).annotations as JsonObject)[LAST_APPLIED_ANNOTATION] = JSON.stringify(lastApplied);
  }

  // A no-op apply keeps the old timestamp, so the server can tell nothing changed and skip the write.
  if (previous && previous.set.equals(configSet) && jsonEqual(merged, liveObj) && previous.apiVersion === apiVersion) {
    if (previous.time) applier.time = previous.time;
    else delete applier.time;
  }
  const entries = encodeManagers(managers);
  return { object: setManagedFields(merged, entries), managedFields: entries };
}

function restoreFrom(source: JsonObject, target: JsonObject, path: readonly string[]): void {
  if (path.length === 0) return;
  let from: JsonValue | undefined = source;
  let to: JsonObject = target;
  for (const [i, name] of path.entries()) {
    from = isJsonObject(from) ? from[name] : undefined;
    if (i === path.length - 1) {
      if (from === undefined) delete to[name];
      else to[name] = cloneJson(from);
      return;
    }
    const next = to[name];
    if (!isJsonObject(next)) {
      if (from === undefined) return;
      to[name] = {};
    }
    to = to[name] as JsonObject;
  }
}

/**
 * Removes what the applier dropped (`dropped`) unless another manager owns it: a field survives when it or
 * anything below it is owned, a list item only when the item itself is owned (so an item the applier dropped
 * goes even if someone changed one of its fields, as upstream). Dropped paths' parent fields go too when nothing
 * under them is owned (upstream removes named fields the same way), but never `metadata` itself.
 */
function prune(obj: JsonObject, dropped: FieldSet, managers: Map<string, Manager>): JsonObject {
  if (dropped.isEmpty()) return obj;
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const candidates = new FieldSet();
  for (const p of dropped.paths()) {
    for (let len = p.length; len >= 1; len--) {
      const prefix = p.slice(0, len);
      if (len === 1 && prefix[0] === 'f:metadata') continue;
      candidates.add(prefix);
    }
  }
  const result = cloneJson(obj);
  for (const p of candidates.sorted()) {
    // A field stays while anything below it is owned; a list item stays only if someone owns the item itself.
    const keep = p[p.length - 1]!.startsWith('f:') ? owned.hasPrefix(p) : owned.has(p);
    if (!keep) removePath(result, p);
  }
  return result;
}

/** Fields whose live value still equals the client-side last-applied configuration (upgrade to server-side). */
function allowedFromLastApplied(fm: FieldManager, live: JsonObject): FieldSet | undefined {
  const text = annotation(live, LAST_APPLIED_ANNOTATION);
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(last)) return undefined;
  const differences = fm.compare(last, live);
  return fm.fieldSet(last).difference(differences.modified).difference(differences.added).difference(differences.removed);
}

// ---------------------------------------------------------------------------------------------------------------
// Ordinary writes

/**
 * Field tracking for create (`oldObj` undefined), update and patch: `manager` (with `apiVersion`) owns what it
 * added or changed and takes those fields from others; removed fields leave every manager. Managed fields sent in
 * `newObj` replace the stored ones when they differ (a list holding one empty entry clears them), as upstream.
 * Returns a new copy of `newObj` (new `metadata` object too) with `metadata.managedFields` set; neither input is
 * changed, so callers holding `newObj.metadata` must re-read it from the result.
 */
export function recordUpdate(
  oldObj: object | undefined,
  newObj: object,
  manager: string,
  operation: 'Update',
  apiVersion: string,
  options: FieldManagerOptions = {},
): ManagedResult {
  const fm = new FieldManager(options);
  const before = oldObj ? shallowWithoutManagedFields(oldObj as JsonObject) : {};
  const after = shallowWithoutManagedFields(newObj as JsonObject);
  const oldEntries = oldObj && isJsonObject((oldObj as JsonObject).metadata) ? ((oldObj as JsonObject).metadata as JsonObject).managedFields : undefined;
  const sentEntries = isJsonObject((newObj as JsonObject).metadata) ? ((newObj as JsonObject).metadata as JsonObject).managedFields : undefined;
  let managers = decodeManagers(oldEntries);
  if (Array.isArray(sentEntries) && sentEntries.length > 0 && !jsonEqual(sentEntries, oldEntries)) {
    managers = decodeManagers(sentEntries);
  }

  const change = fm.compare(before, after);
  const taken = change.modified.union(change.added);
  if (managers.size > 0) {
    const gone = taken.union(change.removed);
    for (const [id, m] of managers) managers.set(id, { ...m, set: m.set.difference(gone) });
  }
  const id = managerId({ manager, operation, apiVersion, ...(options.subresource ? { subresource: options.subresource } : {}) });
  const existing = managers.get(id);
  if (!taken.isEmpty() || existing) {
    const m: Manager = {
      manager, operation, apiVersion,
      set: (existing?.set ?? new FieldSet()).union(taken).difference(change.removed),
    };
    const time = taken.isEmpty() ? existing?.time : timestamp(options.now);
    if (time) m.time = time;
    if (options.subresource) m.subresource = options.subresource;
    managers.set(id, m);
  }
  capUpdateManagers(managers);
  const entries = encodeManagers(managers);
  return { object: setManagedFields(after, entries), managedFields: entries };
}

/** kube-apiserver keeps at most this many Update entries; older ones merge into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;

function capUpdateManagers(managers: Map<string, Manager>): void {
  const updaters = () => [...managers].filter(([, m]) => m.operation === 'Update' && !m.set.isEmpty())
    .sort(([, a], [, b]) => ((a.time ?? '') !== (b.time ?? '') ? ((a.time ?? '') < (b.time ?? '') ? -1 : 1) : a.manager < b.manager ? -1 : 1));
  for (let list = updaters(); list.length > MAX_UPDATE_MANAGERS; list = updaters()) {
    const [[oldestId, oldest], [nextId, next]] = [list[0]!, list[1]!];
    managers.delete(oldestId);
    managers.delete(nextId);
    const bucket: Manager = { manager: 'ancient-changes', operation: 'Update', apiVersion: next.apiVersion, set: oldest.set.union(next.set) };
    if (next.time) bucket.time = next.time;
    const id = managerId(bucket);
    const existing = managers.get(id);
    managers.set(id, existing ? { ...bucket, set: bucket.set.union(existing.set) } : bucket);
  }
}

/** The field set of `obj` in FieldsV1 form (what an Apply entry would record for it). */
export function fieldsV1Of(obj: object, options: FieldManagerOptions = {}): JsonObject {
  return new FieldManager(options).fieldSet(shallowWithoutManagedFields(obj as JsonObject)).toFieldsV1();
}

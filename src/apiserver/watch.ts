/**
 * WATCH: a chunked stream of newline-delimited JSON events. Starts at an exact resourceVersion, or (unset / "0")
 * with synthetic ADDED events for the current state. Selectors are applied to the old and the new object, so
 * an object that stops matching is reported DELETED, one that starts matching ADDED. A compacted start gives an
 * ERROR event with a 410 Expired Status. Bookmarks carry the last revision this stream has passed.
 */
import type { ServerResponse } from 'node:http';
import { errors, ApiError, type Status } from '../api/errors.js';
import { apiVersionOf, type KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { StoreError, type KeyValue, type WatchEvent, type Watcher } from '../store/store.js';
import type { ServerContext } from './context.js';
import { listObjects, parseResourceVersion } from './list.js';
import { collectionPrefix, decodeObject, objectKey } from './object-codec.js';
import { selectedName, type Selection } from './selection.js';
import { columnDefinitions, tableRow, type IncludeObject } from './table.js';

export interface WatchRequest {
  namespace?: string;
  selection: Selection;
  resourceVersion?: string;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  table?: { include: IncludeObject };
}

/** Kubernetes' default for watches without timeoutSeconds (min-request-timeout 1800 s). */
const DEFAULT_TIMEOUT_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 30_000;
/** A watcher that falls this far behind is cut off; it re-watches from its last revision. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** One decoded object per stored value, shared by every watcher that receives the same event. */
const decoded = new WeakMap<KeyValue, { obj: KubeObject; json: string }>();

function decodeShared(kv: KeyValue): { obj: KubeObject; json: string } {
  let entry = decoded.get(kv);
  if (!entry) {
    const obj = decodeObject(kv);
    entry = { obj, json: JSON.stringify(obj) };
    decoded.set(kv, entry);
  }
  return entry;
}

/** Per stored value, its conversions for kinds served from another version's storage. */
const converted = new WeakMap<KeyValue, Map<ResourceKind, { obj: KubeObject; json: string }>>();

/** What a watcher of `kind` is sent for a stored value (selectors still match the stored object). */
function decodeServed(kind: ResourceKind, kv: KeyValue): { obj: KubeObject; json: string } {
  const stored = decodeShared(kv);
  if (!kind.storage) return stored;
  let byKind = converted.get(kv);
  if (!byKind) converted.set(kv, (byKind = new Map()));
  let entry = byKind.get(kind);
  if (!entry) {
    const obj = kind.storage.fromStorage(stored.obj);
    entry = { obj, json: JSON.stringify(obj) };
    byKind.set(kind, entry);
  }
  return entry;
}

/** Validates the request before the stream starts (errors here are ordinary HTTP errors). */
export function checkWatchRequest(request: WatchRequest): void {
  parseResourceVersion(request.resourceVersion);
  if (request.timeoutSeconds !== undefined && (!Number.isFinite(request.timeoutSeconds) || request.timeoutSeconds < 0)) {
    throw errors.badRequest('timeoutSeconds must be a non-negative integer');
  }
}

export async function serveWatch(ctx: ServerContext, kind: ResourceKind, request: WatchRequest, res: ServerResponse): Promise<void> {
  const { selection } = request;
  const name = selectedName(selection);
  const prefix = name !== undefined && (!kind.namespaced || request.namespace) ? objectKey(kind, request.namespace, name) : collectionPrefix(kind, request.namespace);
  const exactKey = name !== undefined && (!kind.namespaced || request.namespace) ? prefix : undefined;

  let closed = false;
  let watcher: Watcher | undefined;
  let lastRevision = 0;
  let headersSent = false;
  const timers: NodeJS.Timeout[] = [];
  const table = request.table;

  const finish = (): void => {
    if (closed) return;
    closed = true;
    watcher?.close();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  headersSent = true;

  const write = (line: string): void => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      ctx.logger.warn({ resource: kind.plural }, 'watch client is too slow; closing its stream');
      finish();
    }
  };

  const objectJson = (obj: KubeObject, json: string | undefined): string => {
    if (!table) return json ?? JSON.stringify(obj);
    const headers = !sentHeaders;
    sentHeaders = true;
    return JSON.stringify({
      kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: obj.metadata.resourceVersion },
      columnDefinitions: headers ? columnDefinitions(kind) : [],
      rows: [tableRow(kind, obj, table.include, new Date())],
    });
  };
  let sentHeaders = false;

  const sendEvent = (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, json?: string): void => {
    write(`{"type":"${type}","object":${objectJson(obj, json)}}\n`);
  };

  const sendError = (status: Status): void => {
    write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
  };

  const sendBookmark = (): void => {
    if (closed || lastRevision === 0) return;
    write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: kind.kind, apiVersion: apiVersionOf(kind), metadata: { resourceVersion: String(lastRevision) } } })}\n`);
  };

  const onEvent = (event: WatchEvent): void => {
    if (closed) return;
    const kv = event.kv;
    lastRevision = kv.modRevision;
    if (exactKey !== undefined && kv.key !== exactKey) return;
    const send = (type: 'ADDED' | 'MODIFIED' | 'DELETED'): void => {
      const { obj, json } = decodeServed(kind, kv);
      sendEvent(type, obj, json);
    };
    if (event.type === 'DELETE') {
      if (selection.matches(decodeShared(kv).obj)) send('DELETED');
      return;
    }
    const isNew = event.prev === undefined && kv.createRevision === kv.modRevision;
    if (selection.everything) {
      send(isNew ? 'ADDED' : 'MODIFIED');
      return;
    }
    const nowMatches = selection.matches(decodeShared(kv).obj);
    const before = event.prev ? selection.matches(decodeShared(event.prev).obj) : !isNew && nowMatches;
    if (nowMatches && before) send('MODIFIED');
    else if (nowMatches) send('ADDED');
    else if (before) send('DELETED');
  };

  try {
    let startAfter: number;
    const rv = parseResourceVersion(request.resourceVersion);
    if (rv === undefined || rv === 0) {
      const listed = await listObjects(ctx, kind, { namespace: request.namespace, selection });
      for (const obj of listed.items) sendEvent('ADDED', obj);
      startAfter = listed.revision;
    } else {
      startAfter = rv;
    }
    lastRevision = startAfter;
    if (closed) return;
    watcher = await ctx.store.watch(prefix, {
      afterRevision: startAfter,
      onEvent,
      onError: (err) => {
        if (err instanceof StoreError && err.code === 'Compacted') sendError(errors.gone(`too old resource version: ${startAfter} (${err.currentRevision ?? 0})`).toStatus());
        else if (err instanceof StoreError && err.code === 'Closed') ctx.logger.debug({ resource: kind.plural }, 'watch ended: the store closed');
        else ctx.logger.warn({ err: err.message, resource: kind.plural }, 'watch ended by the store');
        finish();
      },
    });
    if (closed) watcher.close();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'Compacted') {
      sendError(errors.gone(`too old resource version: ${request.resourceVersion} (${err.currentRevision ?? 0})`).toStatus());
    } else if (err instanceof ApiError) {
      sendError(err.toStatus());
    } else {
      ctx.logger.error({ err }, 'watch failed');
      sendError(errors.internal('the watch failed; retry it').toStatus());
    }
    finish();
    return;
  }

  const timeoutMs = (request.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  timers.push(setTimeout(() => {
    if (request.allowBookmarks) sendBookmark();
    finish();
  }, timeoutMs));
  if (request.allowBookmarks) {
    const tick = (): void => {
      sendBookmark();
      if (!closed) timers.push(setTimeout(tick, BOOKMARK_INTERVAL_MS));
    };
    timers.push(setTimeout(tick, Math.min(BOOKMARK_INTERVAL_MS, timeoutMs / 2)));
  }
  void headersSent;
}

/**
 * LIST with Kubernetes semantics: selectors, limit + continue (an opaque token that pins the first page's
 * revision, so every page reads the same snapshot; 410 once that revision is compacted) and
 * resourceVersion / resourceVersionMatch.
 */
import { ApiError, errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { StoreError } from '../store/store.js';
import type { ServerContext } from './context.js';
import { collectionPrefix, decodeObject, objectKey, servedObject } from './object-codec.js';
import { selectedName, type Selection } from './selection.js';

export interface ListRequest {
  namespace?: string;
  selection: Selection;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

interface ContinueState {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

const PAGE_READ = 500;

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueState)).toString('base64url');
}

function decodeContinue(token: string, prefix: string): ContinueState {
  try {
    const state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueState;
    if (state.v === 'meta.k8s.io/v1' && Number.isSafeInteger(state.rv) && state.rv > 0 && typeof state.start === 'string' && state.start.startsWith(prefix)) return state;
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: send the continue value of the previous page unchanged, or list again without it');
}

export function parseResourceVersion(value: string | undefined, what = 'resourceVersion'): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) throw errors.badRequest(`${what}: Invalid value: "${value}": must be a resource version returned by this server`);
  return Number(value);
}

/** Selectors match the stored object; the items come back in `kind`'s version. */
export async function listObjects(ctx: ServerContext, kind: ResourceKind, request: ListRequest): Promise<ListResult> {
  const prefix = collectionPrefix(kind, request.namespace);
  const { selection } = request;
  let revision: number | undefined;
  let startAfter: string | undefined;
  if (request.continueToken) {
    if (request.resourceVersion && request.resourceVersion !== '0') {
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    }
    const state = decodeContinue(request.continueToken, prefix);
    revision = state.rv;
    startAfter = state.start;
  } else {
    const rv = parseResourceVersion(request.resourceVersion);
    const match = request.resourceVersionMatch;
    if (match !== undefined && match !== '' && match !== 'Exact' && match !== 'NotOlderThan') {
      throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (match && rv === undefined) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (match === 'Exact') {
      if (rv === 0) throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
      revision = rv;
    } else if (rv !== undefined && rv > 0) {
      const current = await ctx.store.revision();
      if (rv > current) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${current}`, { retryAfterSeconds: 1 });
      }
    }
  }

  const limit = request.limit && request.limit > 0 ? request.limit : 0;
  const items: KubeObject[] = [];
  try {
    // metadata.name=X: one key instead of a scan (kubectl get NAME -w, kubectl wait, rollout status).
    const name = selectedName(selection);
    if (name !== undefined && !startAfter && (!kind.namespaced || request.namespace)) {
      const key = objectKey(kind, request.namespace, name);
      const listed = await ctx.store.list(key, { revision });
      for (const kv of listed.items) {
        if (kv.key !== key) continue;
        const obj = decodeObject(kv);
        if (selection.matches(obj)) items.push(servedObject(kind, obj));
      }
      return { items, revision: listed.revision };
    }
    return await scanAll(ctx, kind, prefix, request, limit, revision, startAfter);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'Compacted') {
      throw errors.gone(request.continueToken
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
        : `The resourceVersion for the provided list is too old: ${err.message}`);
    }
    throw err;
  }
}

async function scanAll(ctx: ServerContext, kind: ResourceKind, prefix: string, request: ListRequest, limit: number, revision: number | undefined, startAfter: string | undefined): Promise<ListResult> {
  const items: KubeObject[] = [];
  const { selection } = request;
  for (;;) {
    const want = limit ? Math.max(limit - items.length, selection.everything ? 0 : PAGE_READ) : 0;
    const page = await ctx.store.list(prefix, { limit: want || undefined, startAfter, revision });
    revision = page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const kv = page.items[i]!;
      const obj = decodeObject(kv);
      if (!selection.matches(obj)) continue;
      items.push(servedObject(kind, obj));
      if (limit && items.length === limit) {
        const more = i < page.items.length - 1 || page.more;
        return more ? { items, revision, continueToken: encodeContinue(revision, kv.key) } : { items, revision };
      }
    }
    if (!page.more || page.items.length === 0) return { items, revision };
    startAfter = page.items[page.items.length - 1]!.key;
  }
}

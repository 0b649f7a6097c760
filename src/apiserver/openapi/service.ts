/**
 * Serves the OpenAPI documents over HTTP the way kube-apiserver does, independent of the HTTP framework:
 * - GET /openapi/v2: protobuf (gnostic Document) when Accept names
 *   `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (what kubectl sends), JSON otherwise;
 *   the protobuf answer's Content-Type is spelled `…spec.v2.v1.0+protobuf`;
 * - GET /openapi/v3: the index, JSON;
 * - GET /openapi/v3/<api/v1|apis/G/V>[?hash=H]: the group-version document, JSON. A matching hash makes the
 *   answer immutable (cacheable for a year); a stale hash is redirected (301) to the current one.
 * Every answer has an ETag; a matching If-None-Match gets 304. Documents are built on first use and kept.
 */
import { ApiError, errors } from '../../api/errors.js';
import type { ResourceKind } from '../../api/types.js';
import { openApiV2 } from './v2.js';
import { encodeOpenApiV2 } from './v2-protobuf.js';
import { documentHash, openApiV3For, openApiV3Index, serialize, servedGroupVersions } from './v3.js';

/** What kubectl puts in Accept for /openapi/v2. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The same type spelled as a valid media type: the Content-Type we answer with ('@' is not a token character,
 *  and client-go's mime.ParseMediaType rejects a Content-Type containing it). */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface OpenApiRequest {
  /** URL path, e.g. '/openapi/v3/apis/apps/v1' (no query string). */
  path: string;
  /** The `hash` query parameter, if any. */
  hash?: string;
  accept?: string;
  ifNoneMatch?: string;
}

export interface OpenApiResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for 304 and 301. */
  body?: Buffer;
}

interface Rendered {
  body: Buffer;
  etag: string;
  hash: string;
}

function render(body: Buffer | string): Rendered {
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const hash = documentHash(buffer);
  return { body: buffer, hash, etag: `"${hash}"` };
}

function statusResponse(error: ApiError): OpenApiResponse {
  return { status: error.code, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(error.toStatus())) };
}

function mediaTypes(accept: string | undefined): string[] {
  if (!accept) return [];
  return accept.split(',').map((part) => (part.split(';')[0] ?? '').trim().toLowerCase()).filter((t) => t.length > 0);
}

function acceptsJson(types: string[]): boolean {
  return types.length === 0 || types.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
}

export class OpenApiDocuments {
  private v2JsonCache?: Rendered;
  private v2ProtobufCache?: Rendered;
  private v3IndexCache?: Rendered;
  private readonly v3Cache = new Map<string, Rendered | null>();

  constructor(private readonly kinds: readonly ResourceKind[]) {}

  /** Whether this service answers `path` (anything under /openapi/). */
  static handles(path: string): boolean {
    return path === '/openapi/v2' || path === '/openapi/v3' || path.startsWith('/openapi/v3/');
  }

  v2Json(): Rendered {
    return (this.v2JsonCache ??= render(serialize(openApiV2(this.kinds))));
  }

  v2Protobuf(): Rendered {
    return (this.v2ProtobufCache ??= render(encodeOpenApiV2(openApiV2(this.kinds))));
  }

  v3Index(): Rendered {
    return (this.v3IndexCache ??= render(serialize(openApiV3Index(this.kinds))));
  }

  /** The rendered document of a group-version key ('api/v1', 'apis/apps/v1'); undefined if not served. */
  v3(groupVersionKey: string): Rendered | undefined {
    if (!this.v3Cache.has(groupVersionKey)) {
      const served = servedGroupVersions(this.kinds).includes(groupVersionKey);
      const doc = served ? openApiV3For(groupVersionKey, this.kinds) : undefined;
      this.v3Cache.set(groupVersionKey, doc ? render(serialize(doc)) : null);
    }
    return this.v3Cache.get(groupVersionKey) ?? undefined;
  }

  /** Answers one GET; undefined when the path is not an OpenAPI path. */
  serve(request: OpenApiRequest): OpenApiResponse | undefined {
    const path = request.path.replace(/\/+$/, '');
    const types = mediaTypes(request.accept);
    if (path === '/openapi/v2') {
      const protobuf = types.some((t) => t === OPENAPI_V2_PROTOBUF || t === OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
      if (!protobuf && !acceptsJson(types)) {
        return statusResponse(errors.notAcceptable(`only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF}`));
      }
      const doc = protobuf ? this.v2Protobuf() : this.v2Json();
      return this.answer(doc, protobuf ? OPENAPI_V2_PROTOBUF_CONTENT_TYPE : 'application/json', request, 'no-cache, private');
    }
    if (path === '/openapi/v3') {
      if (!acceptsJson(types)) return statusResponse(errors.notAcceptable('only application/json is served for /openapi/v3'));
      return this.answer(this.v3Index(), 'application/json', request, 'no-cache, private');
    }
    if (!path.startsWith('/openapi/v3/')) return undefined;
    const key = path.slice('/openapi/v3/'.length);
    const doc = this.v3(key);
    if (!doc) return statusResponse(new ApiError(404, 'NotFound', `no OpenAPI v3 document for ${key}; /openapi/v3 lists the served group-versions`));
    if (!acceptsJson(types)) return statusResponse(errors.notAcceptable(`only application/json is served for /openapi/v3/${key}`));
    if (request.hash !== undefined && request.hash !== doc.hash) {
      return { status: 301, headers: { location: `/openapi/v3/${key}?hash=${doc.hash}`, 'cache-control': 'no-cache, private' } };
    }
    const cacheControl = request.hash !== undefined ? 'public, immutable' : 'no-cache, private';
    const response = this.answer(doc, 'application/json', request, cacheControl);
    if (request.hash !== undefined) response.headers['expires'] = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    return response;
  }

  private answer(doc: Rendered, contentType: string, request: OpenApiRequest, cacheControl: string): OpenApiResponse {
    const headers: Record<string, string> = { etag: doc.etag, 'cache-control': cacheControl, vary: 'Accept' };
    if (request.ifNoneMatch !== undefined && request.ifNoneMatch.split(',').some((tag) => tag.trim() === doc.etag)) {
      return { status: 304, headers };
    }
    return { status: 200, headers: { ...headers, 'content-type': contentType }, body: doc.body };
  }
}

/** Mounts /openapi/v2, /openapi/v3 and /openapi/v3/<api/v1|apis/G/V>, answered by src/apiserver/openapi/. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import { OpenApiDocuments } from './openapi/index.js';
import type { KindIndex } from './context.js';

/** The slice of Fastify this module needs (any Fastify instance fits, HTTP or HTTPS). */
export interface RouteMounter {
  get(path: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): unknown;
}

export function mountOpenApi(app: RouteMounter, kinds: KindIndex): void {
  const documents = new OpenApiDocuments(kinds.all);
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const q = request.url.indexOf('?');
    const path = q >= 0 ? request.url.slice(0, q) : request.url;
    const hash = (request.query as Record<string, string | undefined>)['hash'];
    const ifNoneMatch = request.headers['if-none-match'];
    const response = documents.serve({ path, hash, accept: request.headers.accept, ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined });
    if (!response) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    reply.code(response.status);
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    return reply.send(response.body ?? '');
  };
  app.get('/openapi/v2', handler);
  app.get('/openapi/v3', handler);
  app.get('/openapi/v3/*', handler);
}

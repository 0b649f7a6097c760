/**
 * Mounts /openapi/v2, /openapi/v3 and /openapi/v3/<api/v1|apis/G/V>. The documents come from
 * src/apiserver/openapi/ (written in parallel); until it lands these paths answer 404.
 */
import { ApiError } from '../api/errors.js';
import type { KindIndex } from './context.js';

/** The slice of Fastify this module needs (any Fastify instance fits, HTTP or HTTPS). */
export interface RouteMounter {
  get(path: string, handler: (request: { url: string; headers: Record<string, string | string[] | undefined> }) => Promise<unknown>): unknown;
}

export function mountOpenApi(app: RouteMounter, _kinds: KindIndex): void {
  const notYet = async (): Promise<never> => {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource (OpenAPI is not served yet)');
  };
  app.get('/openapi/v2', notYet);
  app.get('/openapi/v3', notYet);
  app.get('/openapi/v3/*', notYet);
}

/**
 * HOOK for pods/log, pods/exec, pods/attach, pods/portforward (proxied to node agents; written by the node-agent
 * side, not here). To implement one: add its name to `servedConnectSubresources` (discovery then advertises it)
 * and handle it in `handlePodConnect`. Until then these paths answer 404 and are not advertised.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Subresource } from '../api/types.js';
import type { ServerContext } from './context.js';

/** Connect subresources that handlePodConnect serves; discovery lists exactly these. */
export const servedConnectSubresources: Subresource[] = [];

export interface PodConnectRequest {
  ctx: ServerContext;
  subresource: string;
  /** The pod as currently stored. */
  pod: KubeObject;
  request: FastifyRequest;
  reply: FastifyReply;
}

export async function handlePodConnect(req: PodConnectRequest): Promise<void> {
  throw new ApiError(404, 'NotFound', `the server could not find the requested resource (pods/${req.subresource} is not served by this server yet)`);
}

/**
 * pods/log, pods/exec, pods/attach and pods/portforward, proxied to the node's agent (src/agent/server/). Discovery advertises exactly
 * `servedConnectSubresources`. The API server reaches agents with its client certificate through the NodeTransport
 * given to `useNodeTransport` at start-up; without one these subresources answer 503.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Subresource } from '../api/types.js';
import type { ServerContext } from './context.js';
import type { NodeTransport } from './pod-connect/node-transport.js';
import { servePodLog } from './pod-connect/pod-log.js';
import { servePodPortForward, servePodStream } from './pod-connect/pod-stream.js';

/** Connect subresources that handlePodConnect serves; discovery lists exactly these. */
export const servedConnectSubresources: Subresource[] = ['attach', 'exec', 'log', 'portforward'];

export interface PodConnectRequest {
  ctx: ServerContext;
  subresource: string;
  /** The pod as currently stored. */
  pod: KubeObject;
  request: FastifyRequest;
  reply: FastifyReply;
}

const transports = new WeakMap<ServerContext, NodeTransport>();

/** Lets the server with this context reach node agents. */
export function useNodeTransport(ctx: ServerContext, transport: NodeTransport): void {
  transports.set(ctx, transport);
}

export async function handlePodConnect(req: PodConnectRequest): Promise<void> {
  const transport = transports.get(req.ctx);
  if (!transport) {
    throw new ApiError(503, 'ServiceUnavailable', `pods/${req.subresource} needs the API server's client certificate for node agents; start the API server with agentClient set`);
  }
  switch (req.subresource) {
    case 'log':
      return servePodLog(req.ctx, transport, req.pod, req.request, req.reply);
    case 'exec':
    case 'attach':
      return servePodStream(req.ctx, transport, req.subresource, req.pod, req.request, req.reply);
    case 'portforward':
      return servePodPortForward(req.ctx, transport, req.pod, req.request, req.reply);
  }
  throw new ApiError(404, 'NotFound', `the server could not find the requested resource (pods/${req.subresource} is not served by this server)`);
}

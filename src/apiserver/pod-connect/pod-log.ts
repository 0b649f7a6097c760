/** GET pods/NAME/log: checks the request against the stored pod, then streams text/plain from the node's agent. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { logQuery, parseLogOptions } from '../../agent/server/log-options.js';
import type { ServerContext } from '../context.js';
import { agentError, readBody, type NodeTransport } from './node-transport.js';
import { checkLogsReadable, nodeNameOf, pickContainer } from './pod-containers.js';

export async function servePodLog(ctx: ServerContext, transport: NodeTransport, pod: KubeObject, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method !== 'GET') throw errors.methodNotAllowed(`${request.method} is not supported on pods/log`);
  const qi = request.url.indexOf('?');
  const options = parseLogOptions(new URLSearchParams(qi >= 0 ? request.url.slice(qi + 1) : ''));
  const container = pickContainer(pod, options.container);
  checkLogsReadable(pod, container, options.previous);
  const location = await transport.locate(ctx, nodeNameOf(pod)!);
  const path = `/containerLogs/${encodeURIComponent(pod.metadata.namespace ?? '')}/${encodeURIComponent(pod.metadata.name ?? '')}/${encodeURIComponent(container)}?${logQuery(options)}`;

  const abort = new AbortController();
  const upstream = await transport.get(location, path, abort.signal);
  if ((upstream.statusCode ?? 500) !== 200) throw agentError(upstream.statusCode ?? 500, await readBody(upstream));

  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  out.flushHeaders();
  const stop = () => {
    abort.abort();
    upstream.destroy();
  };
  out.on('close', stop);
  await new Promise<void>((resolve) => {
    upstream.on('data', (chunk: Buffer) => {
      if (!out.write(chunk)) {
        upstream.pause();
        out.once('drain', () => upstream.resume());
      }
    });
    upstream.on('end', resolve);
    upstream.on('error', resolve);
    upstream.on('close', resolve);
  });
  out.off('close', stop);
  out.end();
}

/**
 * The Kubernetes-compatible API server: HTTPS only, bearer-token authentication, discovery, OpenAPI, and REST
 * for every registered kind over the versioned store. Every error is a Kubernetes Status.
 */
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ApiError, errors } from '../api/errors.js';
import type { Store } from '../store/store.js';
import { ClusterIpAllocator, parseCidr } from './admission/cluster-ip-allocator.js';
import { namespaceLifecycle } from './admission/namespace-lifecycle.js';
import { NamespaceStates } from './admission/namespace-states.js';
import { podAdmission } from './admission/pod-admission.js';
import { authenticate, isPublicPath, type UserInfo } from './auth.js';
import { bootstrapCluster, loadClusterIps } from './bootstrap.js';
import { indexKinds, type ServerContext } from './context.js';
import { registeredKinds } from './deps.js';
import { aggregatedDiscovery, apiGroupList, apiVersions, groupVersions } from './discovery.js';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, encodeBody, negotiate } from './negotiation.js';
import { mountOpenApi } from './openapi-routes.js';
import { withMetricsDiscovery, withMetricsGroup, mountMetricsApi } from './metrics/metrics-api.js';
import { servedConnectSubresources, useNodeTransport } from './pod-connect.js';
import { NodeTransport } from './pod-connect/node-transport.js';
import { routeUpgrades } from './pod-connect/upgrade-routing.js';
import { RestHandler, send } from './rest-handler.js';
import { versionInfo } from './version.js';

export type { UserInfo } from './auth.js';

export interface ApiServerOptions {
  store: Store;
  /** Bind address, e.g. '127.0.0.1' or '0.0.0.0'. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: { cert: string; key: string };
  /** Bearer token → user. */
  tokens: Map<string, UserInfo>;
  logger: Logger;
  /** IPv4 CIDR for Service cluster IPs (default 10.96.0.0/12). */
  serviceClusterIpRange?: string;
  /** Client certificate for calls to node agents (logs, exec, metrics); without it those answer 503. */
  agentClient?: { cert: string; key: string };
}

export interface ApiServer {
  /** https://HOST:PORT (HOST is 127.0.0.1 when bound to every address). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Kubernetes' default request body limit (3 MiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserInfo;
  }
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store, logger } = options;
  const kinds = indexKinds(registeredKinds());
  const allocator = new ClusterIpAllocator(parseCidr(options.serviceClusterIpRange ?? '10.96.0.0/12'));
  const namespaces = new NamespaceStates(store);
  const ctx: ServerContext = {
    store, kinds, logger,
    admission: [namespaceLifecycle(namespaces), podAdmission(), allocator.hook()],
  };
  await loadClusterIps(ctx, allocator);
  await namespaces.start();
  const rest = new RestHandler(ctx);

  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    https: { cert: options.tls.cert, key: options.tls.key },
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1000, ignoreDuplicateSlashes: false },
    frameworkErrors: (err, request, reply) => {
      const status = toApiError(err, request as FastifyRequest, logger).toStatus();
      (reply as unknown as FastifyReply).code(status.code).type('application/json').send(JSON.stringify(status));
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    const user = authenticate(request.headers.authorization, options.tokens);
    if (user) {
      request.user = user;
      return;
    }
    if (isPublicPath(request.url)) return;
    await reply.code(401).type('application/json').send(JSON.stringify(errors.unauthorized().toStatus()));
  });

  // Registered only when it would log: a hook costs every request a promise.
  if (logger.isLevelEnabled('debug')) app.addHook('onResponse', async (request, reply) => {
    logger.debug({ method: request.method, path: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: request.user?.username }, 'request');
  });

  app.setErrorHandler((err: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    const status = toApiError(err, request, logger).toStatus();
    if (reply.sent || reply.raw.headersSent) return;
    void reply.code(status.code).type('application/json').send(JSON.stringify(status));
  });
  app.setNotFoundHandler((_request, reply) => {
    const status = new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus();
    void reply.code(404).type('application/json').send(JSON.stringify(status));
  });

  const text = (body: string) => async (_req: FastifyRequest, reply: FastifyReply) => reply.type('text/plain; charset=utf-8').send(body);
  for (const path of ['/healthz', '/livez', '/readyz']) app.get(path, text('ok'));
  app.get('/version', async (request, reply) => send(reply, 200, versionInfo(), negotiate(request.headers.accept)));
  app.get('/', async (request, reply) => send(reply, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] }, negotiate(request.headers.accept)));

  let serverAddress = `${options.host}:${options.port}`;
  const discovery = (core: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const accept = negotiate(request.headers.accept);
    const gvs = groupVersions(kinds.all);
    if (accept.aggregatedDiscovery) {
      const doc = aggregatedDiscovery(gvs, core, servedConnectSubresources);
      const { body } = encodeBody(core ? doc : withMetricsDiscovery(doc), 'json');
      return reply.code(200).header('content-type', AGGREGATED_DISCOVERY_CONTENT_TYPE).header('Vary', 'Accept').send(body);
    }
    reply.header('Vary', 'Accept');
    return send(reply, 200, core ? apiVersions(serverAddress) : withMetricsGroup(apiGroupList(gvs)), { ...accept, table: false });
  };
  app.get('/api', discovery(true));
  app.get('/apis', discovery(false));
  app.get('/api/', discovery(true));
  app.get('/apis/', discovery(false));
  mountOpenApi(app, kinds);
  const nodeTransport = options.agentClient ? new NodeTransport({ clientCert: options.agentClient.cert, clientKey: options.agentClient.key }) : undefined;
  if (nodeTransport) {
    useNodeTransport(ctx, nodeTransport);
    mountMetricsApi(app, { ctx, transport: nodeTransport, logger });
    app.addHook('onClose', async () => nodeTransport.close());
  }
  routeUpgrades(app);
  app.addHook('onClose', async () => namespaces.stop());

  const restRoute = async (request: FastifyRequest, reply: FastifyReply) => rest.handle(request, reply);
  for (const url of ['/api/*', '/apis/*']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler: restRoute });
  }

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    namespaces.stop();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  serverAddress = `${options.host === '0.0.0.0' ? hostname() : options.host}:${port}`;
  try {
    await bootstrapCluster(ctx, rest.resourceStorage, allocator, port);
  } catch (err) {
    await app.close();
    throw err;
  }
  logger.info({ url: `https://${urlHost}:${port}` }, 'API server listening');
  return {
    url: `https://${urlHost}:${port}`,
    port,
    close: async () => {
      await app.close();
    },
  };
}

function toApiError(err: FastifyError | ApiError | Error, request: FastifyRequest, logger: Logger): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errors.tooLarge(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
  const statusCode = (err as FastifyError).statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    if (statusCode === 413) return errors.tooLarge(err.message);
    if (statusCode === 415) return errors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
    return errors.badRequest(err.message);
  }
  logger.error({ err, method: request.method, path: request.url }, 'unexpected error while serving a request');
  return errors.internal('an internal error occurred; the API server log has the details');
}

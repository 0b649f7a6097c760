/**
 * Sends HTTP upgrade requests (kubectl exec/attach WebSockets, and its SPDY fallback) through the normal Fastify
 * routing, so they are authenticated and routed like every request; a handler that accepts the upgrade takes the
 * socket with `takeUpgrade`. Anything that answers with an ordinary response closes the socket afterwards.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Server as HttpsServer } from 'node:https';

export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  /** The Upgrade header, lower-cased ("websocket", "spdy/3.1"). */
  protocol: string;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();
const taken = new WeakSet<IncomingMessage>();

/** The upgrade this request asks for, if any (undefined for ordinary requests). */
export function pendingUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  return pending.get(req);
}

/** Marks the upgrade as taken over by the caller (the response object will not be used). */
export function takeUpgrade(req: IncomingMessage): PendingUpgrade | undefined {
  const up = pending.get(req);
  if (up) taken.add(req);
  return up;
}

export function routeUpgrades<L extends FastifyBaseLogger>(app: FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, L>): void {
  const live = new Set<Duplex>();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    live.add(socket);
    socket.on('close', () => live.delete(socket));
    socket.on('error', () => undefined);
    pending.set(req, { socket, head, protocol: String(req.headers.upgrade ?? '').toLowerCase() });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      if (!taken.has(req)) socket.end();
    });
    try {
      app.routing(req, res);
    } catch {
      socket.destroy();
    }
  });
  app.addHook('preClose', async () => {
    for (const socket of live) socket.destroy();
  });
}

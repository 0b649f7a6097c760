/**
 * pods/exec and pods/attach: checks the request against the stored pod, opens the same remote-command WebSocket to
 * the node's agent, then accepts the client's WebSocket with the protocol the agent chose and relays frames both
 * ways. Problems found here (pod, container, node) are HTTP errors before the upgrade; a refusal from the agent
 * (e.g. the container is not running) arrives as a Status on the error channel, which kubectl prints.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { AGENT_PORT_FORWARD_PROTOCOL, PORT_FORWARD_PROTOCOL, selectPortForwardProtocol } from '../../agent/server/port-forward.js';
import { Channel, SUPPORTED_PROTOCOLS, frame, offeredProtocols, parseStreamOptions, streamQuery } from '../../agent/server/remote-command.js';
import type { ServerContext } from '../context.js';
import type { NodeTransport } from './node-transport.js';
import { nodeNameOf, pickContainer } from './pod-containers.js';
import { pendingUpgrade, takeUpgrade } from './upgrade-routing.js';

export async function servePodStream(ctx: ServerContext, transport: NodeTransport, kind: 'exec' | 'attach', pod: KubeObject, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const qi = request.url.indexOf('?');
  const query = new URLSearchParams(qi >= 0 ? request.url.slice(qi + 1) : '');
  const name = pod.metadata.name ?? '';
  const options = parseStreamOptions(query, kind);
  const container = pickContainer(pod, query.get('container') || undefined);
  const nodeName = nodeNameOf(pod);
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);

  const upgrade = pendingUpgrade(request.raw);
  if (!upgrade) throw errors.badRequest('Upgrade request required');
  if (upgrade.protocol !== 'websocket') {
    throw errors.badRequest(`this server streams ${kind} over WebSocket only (subprotocol ${SUPPORTED_PROTOCOLS[0]}, kubectl 1.30 or newer); SPDY is not supported`);
  }
  const protocols = offeredProtocols(request.headers['sec-websocket-protocol']).filter((p) => (SUPPORTED_PROTOCOLS as readonly string[]).includes(p));
  if (protocols.length === 0) throw errors.badRequest(`none of the offered WebSocket subprotocols is supported; offer one of ${SUPPORTED_PROTOCOLS.join(', ')}`);

  const location = await transport.locate(ctx, nodeName);
  const path = `/${kind}/${encodeURIComponent(pod.metadata.namespace ?? '')}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${streamQuery(options)}`;
  let agent: WebSocket | undefined;
  let refusal: ApiError | undefined;
  try {
    agent = await transport.openStream(location, path, protocols);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    refusal = err;
  }

  reply.hijack();
  takeUpgrade(request.raw);
  const chosen = agent?.protocol || protocols[0]!;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => chosen });
  let accepted = false;
  // The client may be gone by now (ws then drops the upgrade): do not leave the agent's session running.
  if (upgrade.socket.destroyed) agent?.terminate();
  upgrade.socket.once('close', () => {
    if (!accepted) agent?.terminate();
  });
  wss.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (client) => {
    accepted = true;
    if (!agent) {
      client.send(frame(Channel.error, JSON.stringify(refusal!.toStatus())), { binary: true }, () => client.close(1000));
      return;
    }
    relay(client, agent);
  });
}

/**
 * pods/portforward: kubectl tunnels a SPDY session inside the WebSocket (subprotocol SPDY/3.1+portforward.k8s.io);
 * the bytes are relayed unchanged to the agent, which speaks SPDY. Refusals are HTTP errors before the upgrade.
 */
export async function servePodPortForward(ctx: ServerContext, transport: NodeTransport, pod: KubeObject, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const name = pod.metadata.name ?? '';
  const nodeName = nodeNameOf(pod);
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const upgrade = pendingUpgrade(request.raw);
  if (!upgrade) throw errors.badRequest('Upgrade request required');
  if (upgrade.protocol !== 'websocket' || !selectPortForwardProtocol(offeredProtocols(request.headers['sec-websocket-protocol']))) {
    throw errors.badRequest(`this server forwards ports over WebSocket only (subprotocol ${PORT_FORWARD_PROTOCOL}, kubectl 1.31 or newer); SPDY is not supported`);
  }
  const location = await transport.locate(ctx, nodeName);
  const agent = await transport.openStream(location, `/portForward/${encodeURIComponent(pod.metadata.namespace ?? '')}/${encodeURIComponent(name)}`, [AGENT_PORT_FORWARD_PROTOCOL]);
  reply.hijack();
  takeUpgrade(request.raw);
  // kubectl's subprotocol is not a valid token, which ws would refuse: negotiate it by hand.
  delete request.raw.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOL}`));
  let accepted = false;
  if (upgrade.socket.destroyed) agent.terminate();
  upgrade.socket.once('close', () => {
    if (!accepted) agent.terminate();
  });
  wss.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (client) => {
    accepted = true;
    relay(client, agent);
  });
}

/** Close codes that may be sent in a close frame (1005/1006/1015 are reserved for "none"/"abnormal"). */
function sendableCode(code: number): number {
  if (code === 1005) return 1000;
  if (code === 1006 || code === 1015) return 1011;
  return code;
}

/** Above this many unsent bytes towards one side, reading from the other side pauses (memory stays bounded). */
const HIGH_WATER = 4 * 1024 * 1024;

export function relay(client: WebSocket, agent: WebSocket): void {
  const forward = (from: WebSocket, to: WebSocket) => (data: RawData, isBinary: boolean) => {
    if (to.readyState !== to.OPEN) return;
    to.send(data as Buffer, { binary: isBinary }, () => {
      if (from.isPaused && to.bufferedAmount < HIGH_WATER / 2) from.resume();
    });
    if (to.bufferedAmount > HIGH_WATER) from.pause();
  };
  client.on('message', forward(client, agent));
  agent.on('message', forward(agent, client));
  agent.on('close', (code, reason) => {
    if (client.readyState === client.OPEN) client.close(sendableCode(code), reason);
  });
  client.on('close', (code, reason) => {
    if (agent.readyState === agent.OPEN) agent.close(sendableCode(code), reason);
  });
  agent.on('error', () => client.terminate());
  client.on('error', () => agent.terminate());
}

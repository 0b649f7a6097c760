import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { isObject } from '../api/object.js';

/** Everything the client needs to reach one API server as one user. */
export interface ClientConfig {
  /** `https://127.0.0.1:6443` (no trailing slash needed). */
  server: string;
  /** PEM of the CA that signed the server's certificate; when absent the system CAs are trusted. */
  caData?: string;
  token?: string;
  /** PEM client certificate and key (mutual TLS) instead of, or beside, a token. */
  certData?: string;
  keyData?: string;
  insecureSkipTlsVerify?: boolean;
}

export class KubeconfigError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'KubeconfigError';
  }
}

interface Named<T> { name: string; value: T }

function namedEntries(doc: Record<string, unknown>, field: string, inner: string): Array<Named<Record<string, unknown>>> {
  const list = doc[field];
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((entry) => ({
    name: String(entry.name ?? ''),
    value: isObject(entry[inner]) ? entry[inner] : {},
  }));
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads a kubeconfig file (the current context, or `context`) into a ClientConfig. */
export function readKubeconfig(path: string, context?: string): ClientConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KubeconfigError(path, `cannot read kubeconfig: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new KubeconfigError(path, 'not a kubeconfig (expected a YAML mapping)');
  const base = dirname(path);
  const file = (p: string): string => readFileSync(isAbsolute(p) ? p : resolve(base, p), 'utf8');
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

  const contextName = context ?? str(doc['current-context']);
  const contexts = namedEntries(doc, 'contexts', 'context');
  const ctx = contextName ? contexts.find((c) => c.name === contextName) : contexts[0];
  if (!ctx) throw new KubeconfigError(path, `context ${JSON.stringify(contextName ?? '')} not found`);
  const cluster = namedEntries(doc, 'clusters', 'cluster').find((c) => c.name === ctx.value.cluster);
  if (!cluster) throw new KubeconfigError(path, `cluster ${JSON.stringify(ctx.value.cluster)} not found`);
  const user = namedEntries(doc, 'users', 'user').find((u) => u.name === ctx.value.user)?.value ?? {};

  const server = str(cluster.value.server);
  if (!server) throw new KubeconfigError(path, `cluster ${cluster.name} has no server`);
  const caDataB64 = str(cluster.value['certificate-authority-data']);
  const caPath = str(cluster.value['certificate-authority']);
  const tokenFile = str(user.tokenFile);
  const certB64 = str(user['client-certificate-data']);
  const certPath = str(user['client-certificate']);
  const keyB64 = str(user['client-key-data']);
  const keyPath = str(user['client-key']);
  return {
    server: server.replace(/\/+$/, ''),
    caData: caDataB64 ? b64(caDataB64) : caPath ? file(caPath) : undefined,
    token: str(user.token) ?? (tokenFile ? file(tokenFile).trim() : undefined),
    certData: certB64 ? b64(certB64) : certPath ? file(certPath) : undefined,
    keyData: keyB64 ? b64(keyB64) : keyPath ? file(keyPath) : undefined,
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
  };
}

export interface KubeconfigContents {
  server: string;
  /** PEM of the cluster CA. */
  caData: string;
  token: string;
  /** User (and context) name; default 'admin'. */
  user?: string;
  /** Cluster name; default 'stratus'. */
  cluster?: string;
}

/** Writes a kubeconfig with one cluster, one user (bearer token) and one context, readable only by its owner. */
export function writeKubeconfig(path: string, contents: KubeconfigContents): void {
  const cluster = contents.cluster ?? 'stratus';
  const user = contents.user ?? 'admin';
  const contextName = `${user}@${cluster}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: contents.server, 'certificate-authority-data': Buffer.from(contents.caData).toString('base64') } }],
    users: [{ name: user, user: { token: contents.token } }],
    contexts: [{ name: contextName, context: { cluster, user, namespace: 'default' } }],
    'current-context': contextName,
    preferences: {},
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}

/**
 * Kubernetes image pull secrets: `kubernetes.io/dockerconfigjson` (`{"auths": {...}}`) and the legacy
 * `kubernetes.io/dockercfg` (the `auths` map alone). Keys may be `host`, `host:port`, `host/path`,
 * `https://host/v1/`, or `*.example.com`; the most specific key that matches wins (like the kubelet).
 */
import { DOCKER_HUB } from './reference.js';
import type { CredentialLookup, Credentials } from './credentials.js';

interface Entry {
  host: string;      // lowercase, may start with `*.`
  path: string;      // repository prefix, '' for any
  credentials: Credentials;
}

export class DockerConfigError extends Error {
  override readonly name = 'DockerConfigError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalizeKey(key: string): { host: string; path: string } {
  let rest = key.trim().replace(/^[a-z]+:\/\//i, '');
  rest = rest.replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  let host = (slash >= 0 ? rest.slice(0, slash) : rest).toLowerCase();
  let path = slash >= 0 ? rest.slice(slash + 1) : '';
  if (/^v[12]$/.test(path)) path = '';
  path = path.replace(/^v[12]\//, '');
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') host = DOCKER_HUB;
  return { host, path };
}

function entryCredentials(key: string, value: unknown): Credentials | undefined {
  if (!isRecord(value)) throw new DockerConfigError(`docker config entry "${key}" is not an object`);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const registryToken = str(value.registrytoken);
  if (registryToken) return { registryToken };
  const identityToken = str(value.identitytoken);
  let username = str(value.username);
  let password = str(value.password);
  const auth = str(value.auth);
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new DockerConfigError(`docker config entry "${key}": "auth" must be base64 of "username:password"`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (identityToken) return username ? { identityToken, username } : { identityToken };
  if (username !== undefined && password !== undefined) return { username, password };
  return undefined;
}

export class DockerConfig implements CredentialLookup {
  private constructor(private readonly entries: Entry[]) {}

  /** Parse the JSON text of a `.dockerconfigjson` (or legacy `.dockercfg`) secret value. */
  static parse(text: string): DockerConfig {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new DockerConfigError(`docker config is not valid JSON: ${(err as Error).message}`);
    }
    if (!isRecord(json)) throw new DockerConfigError('docker config must be a JSON object');
    const auths = isRecord(json.auths) ? json.auths : json.auths === undefined ? json : undefined;
    if (!auths) throw new DockerConfigError('docker config "auths" must be an object');
    const entries: Entry[] = [];
    for (const [key, value] of Object.entries(auths)) {
      const credentials = entryCredentials(key, value);
      if (credentials) entries.push({ ...normalizeKey(key), credentials });
    }
    return new DockerConfig(entries);
  }

  /** From a Secret's `data` map (base64 values), as the API returns it. */
  static fromSecretData(data: Record<string, string>): DockerConfig {
    const value = data['.dockerconfigjson'] ?? data['.dockercfg'];
    if (value === undefined) throw new DockerConfigError('secret has neither .dockerconfigjson nor .dockercfg');
    return DockerConfig.parse(Buffer.from(value, 'base64').toString('utf8'));
  }

  /** Several pull secrets act as one; earlier ones win ties, like the kubelet's keyring. */
  static merge(...configs: DockerConfig[]): DockerConfig {
    return new DockerConfig(configs.flatMap((c) => c.entries));
  }

  get size(): number {
    return this.entries.length;
  }

  credentialsFor(registry: string, repository: string): Credentials | undefined {
    const host = registry.toLowerCase();
    let best: { entry: Entry; score: number } | undefined;
    for (const entry of this.entries) {
      if (!hostMatches(entry.host, host)) continue;
      if (entry.path && repository !== entry.path && !repository.startsWith(`${entry.path}/`)) continue;
      const score = (entry.host.startsWith('*.') ? 0 : 1000) + entry.path.length;
      if (!best || score > best.score) best = { entry, score };
    }
    return best?.entry.credentials;
  }
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const [patternName, patternPort] = splitPort(pattern.slice(2));
  const [name, port] = splitPort(host);
  if (patternPort !== port) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === patternName;
}

function splitPort(host: string): [string, string] {
  const colon = host.lastIndexOf(':');
  return colon > 0 && !host.endsWith(']') ? [host.slice(0, colon), host.slice(colon + 1)] : [host, ''];
}

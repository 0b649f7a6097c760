// ConfigMaps and Secrets a pod refers to, read through the API (cached briefly so one sync reads each once).
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { isNotFound, type ApiClient } from '../client/api-client.js';
import { CONFIGMAPS, SECRETS } from '../client/resources.js';

export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** A pod's container cannot be configured yet (missing ConfigMap/Secret key, runAsNonRoot with root…). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  constructor(message: string, readonly reason = 'CreateContainerConfigError') {
    super(message);
  }
}

export class ApiObjectSource implements ObjectSource {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly client: ApiClient, private readonly ttlMs = 1000) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.cached(`cm/${namespace}/${name}`, () => this.client.get(CONFIGMAPS, name, { namespace })) as Promise<ConfigMap | undefined>;
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.cached(`secret/${namespace}/${name}`, () => this.client.get(SECRETS, name, { namespace })) as Promise<Secret | undefined>;
  }

  private cached(key: string, load: () => Promise<unknown>): Promise<unknown> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load().catch((err) => {
      if (isNotFound(err)) return undefined;
      this.cache.delete(key);
      throw err;
    });
    this.cache.set(key, { at: now, value });
    if (this.cache.size > 1000) for (const [k, v] of this.cache) if (now - v.at >= this.ttlMs) this.cache.delete(k);
    return value;
  }
}

/** The value of a Secret key as text (data is base64, stringData is not stored by the API server). */
export function secretValue(secret: Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

export function secretBytes(secret: Secret, key: string): Buffer | undefined {
  const b64 = secret.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64');
  const s = secret.stringData?.[key];
  return s === undefined ? undefined : Buffer.from(s, 'utf8');
}

export function configMapBytes(cm: ConfigMap, key: string): Buffer | undefined {
  const s = cm.data?.[key];
  if (s !== undefined) return Buffer.from(s, 'utf8');
  const b = cm.binaryData?.[key];
  return b === undefined ? undefined : Buffer.from(b, 'base64');
}

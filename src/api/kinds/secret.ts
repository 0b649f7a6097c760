/** core/v1 Secret. */
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { immutable } from '../validation/metadata.js';
import { defineKind } from './define.js';
import { isConfigKey, MAX_CONFIG_SIZE } from './configmap.js';

/** Keys a typed secret must carry (k/k ValidateSecret). */
const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function defaultSecret(secret: Secret): void {
  secret.type ||= 'Opaque';
  // stringData is write-only convenience: it is merged into data (base64) and never stored.
  if (secret.stringData) {
    secret.data ??= {};
    for (const [key, value] of Object.entries(secret.stringData)) secret.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    delete secret.stringData;
  }
}

export function validateSecret(secret: Secret, old: Secret | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    causes.push(...invalidEach(`data[${key}]`, key, isConfigKey(key)));
    size += Math.floor(String(value).length * 3 / 4);
  }
  if (size > MAX_CONFIG_SIZE) causes.push(fieldErrors.tooLong('data', MAX_CONFIG_SIZE));
  const type = secret.type ?? 'Opaque';
  for (const key of requiredKeys[type] ?? []) {
    if (!(key in (secret.data ?? {}))) causes.push(fieldErrors.required(`data[${key}]`));
  }
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    causes.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in (secret.data ?? {})) && !('password' in (secret.data ?? {}))) {
    causes.push(fieldErrors.required('data[username]'));
  }
  if (old) {
    causes.push(...immutable('type', type, old.type ?? 'Opaque'));
    if (old.immutable) {
      if (!secret.immutable) causes.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (JSON.stringify(secret.data ?? {}) !== JSON.stringify(old.data ?? {})) causes.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
    }
  }
  return causes;
}

export const secretKind = defineKind<Secret>({
  group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true,
  definition: 'io.k8s.api.core.v1.Secret',
  defaults: defaultSecret,
  validate: validateSecret,
  columns: [
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (s, now) => [s.type ?? '', Object.keys(s.data ?? {}).length, age(s.metadata?.creationTimestamp, now)],
  fieldSelectors: { type: (s) => s.type ?? '' },
});

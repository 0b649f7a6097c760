/** core/v1 ConfigMap, and the key rules it shares with Secret. */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { defineKind } from './define.js';

export const MAX_CONFIG_SIZE = 1024 * 1024;

/** IsConfigMapKey: file-name-like keys. */
export function isConfigKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function validateConfigMap(cm: ConfigMap, old: ConfigMap | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    causes.push(...invalidEach(`data[${key}]`, key, isConfigKey(key)));
    size += String(value).length;
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    causes.push(...invalidEach(`binaryData[${key}]`, key, isConfigKey(key)));
    if (cm.data && key in cm.data) causes.push(fieldErrors.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Math.floor(String(value).length * 3 / 4);
  }
  if (size > MAX_CONFIG_SIZE) causes.push(fieldErrors.tooLong('', MAX_CONFIG_SIZE));
  if (old?.immutable) {
    if (!cm.immutable) causes.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (JSON.stringify(cm.data ?? {}) !== JSON.stringify(old.data ?? {})) causes.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
    if (JSON.stringify(cm.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) causes.push(fieldErrors.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return causes;
}

export const configMapKind = defineKind<ConfigMap>({
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true,
  definition: 'io.k8s.api.core.v1.ConfigMap',
  shortNames: ['cm'],
  validate: validateConfigMap,
  columns: [
    column('Data', 'string', 'Data contains the configuration data.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (cm, now) => [Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm.metadata?.creationTimestamp, now)],
});

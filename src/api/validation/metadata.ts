/** metadata checks every kind shares: name, namespace, labels, annotations, and immutability on update. */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../object.js';
import { fieldErrors, invalidEach } from './field-errors.js';
import { isDns1123Label, isQualifiedName, isValidLabelValue, validateNameByRule, type NameRule } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    causes.push(...invalidEach(field, key, isQualifiedName(key)));
    causes.push(...invalidEach(field, value, isValidLabelValue(String(value))));
  }
  return causes;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    causes.push(...invalidEach(field, key, isQualifiedName(key.toLowerCase())));
    total += key.length + String(value).length;
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(fieldErrors.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

export interface MetaRules {
  namespaced: boolean;
  nameRule: NameRule;
}

/** ValidateObjectMeta: name (or generateName), namespace presence, labels, annotations, finalizers, ownerReferences. */
export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetaRules, field = 'metadata'): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = meta ?? {};
  if (m.generateName) {
    // A generated name is the prefix plus random characters; check the prefix without a trailing dash.
    const prefix = m.generateName.replace(/-$/, '');
    if (prefix) causes.push(...invalidEach(`${field}.generateName`, m.generateName, validateNameByRule(rules.nameRule, prefix)));
  }
  if (!m.name) {
    if (!m.generateName) causes.push(fieldErrors.required(`${field}.name`, 'name or generateName is required'));
  } else {
    causes.push(...invalidEach(`${field}.name`, m.name, validateNameByRule(rules.nameRule, m.name)));
  }
  if (rules.namespaced) {
    if (!m.namespace) causes.push(fieldErrors.required(`${field}.namespace`));
    else causes.push(...invalidEach(`${field}.namespace`, m.namespace, isDns1123Label(m.namespace)));
  } else if (m.namespace) {
    causes.push(fieldErrors.forbidden(`${field}.namespace`, 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) {
    causes.push(fieldErrors.invalid(`${field}.generation`, m.generation, 'must be greater than or equal to 0'));
  }
  causes.push(...validateLabels(m.labels, `${field}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${field}.annotations`));
  (m.finalizers ?? []).forEach((finalizer, i) => {
    const path = `${field}.finalizers[${i}]`;
    causes.push(...invalidEach(path, finalizer, isQualifiedName(finalizer)));
  });
  (m.ownerReferences ?? []).forEach((ref, i) => {
    const path = `${field}.ownerReferences[${i}]`;
    if (!ref.apiVersion) causes.push(fieldErrors.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) causes.push(fieldErrors.invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) causes.push(fieldErrors.invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) causes.push(fieldErrors.invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
  });
  if ((m.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    causes.push(fieldErrors.invalid(`${field}.ownerReferences`, m.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  return causes;
}

/** ValidateObjectMetaUpdate: name, namespace, uid and creationTimestamp cannot change. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, field = 'metadata'): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = meta ?? {};
  const o = old ?? {};
  if (o.name !== undefined && m.name !== o.name) causes.push(fieldErrors.immutable(`${field}.name`, m.name));
  if ((o.namespace ?? '') !== (m.namespace ?? '')) causes.push(fieldErrors.immutable(`${field}.namespace`, m.namespace ?? ''));
  if (o.uid !== undefined && m.uid !== undefined && m.uid !== o.uid) causes.push(fieldErrors.immutable(`${field}.uid`, m.uid));
  if (o.creationTimestamp !== undefined && m.creationTimestamp !== undefined && m.creationTimestamp !== o.creationTimestamp) {
    causes.push(fieldErrors.immutable(`${field}.creationTimestamp`, m.creationTimestamp));
  }
  return causes;
}

/** Structural equality for JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bkeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === bkeys.length && keys.every((k) => jsonEqual(ao[k], bo[k]));
}

/** An Invalid "field is immutable" cause when the value at `field` changed. */
export function immutable(field: string, value: unknown, oldValue: unknown): StatusCause[] {
  return jsonEqual(value, oldValue) ? [] : [fieldErrors.immutable(field, value)];
}

/** The common validate(obj, old) body: metadata on create, plus metadata immutability on update. */
export function validateMetaForKind(obj: KubeObject, old: KubeObject | undefined, rules: MetaRules): StatusCause[] {
  const causes = validateObjectMeta(obj.metadata, rules);
  if (old) causes.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  return causes;
}

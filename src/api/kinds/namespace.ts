/** core/v1 Namespace. */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { invalidEach } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { defineKind, type Writable } from './define.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function defaultNamespace(ns: Namespace): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= ['kubernetes'];
  const w = ns as Writable<Namespace>;
  w.status ??= {};
  w.status.phase ||= 'Active';
  // Every namespace carries its own name as a label, so selectors can pick namespaces by name.
  const meta = (ns.metadata ??= {});
  if (meta.name) (meta.labels ??= {})[NAMESPACE_NAME_LABEL] = meta.name;
}

export function validateNamespace(ns: Namespace): StatusCause[] {
  const causes: StatusCause[] = [];
  (ns.spec?.finalizers ?? []).forEach((f, i) => {
    causes.push(...invalidEach(`spec.finalizers[${i}]`, f, f === 'kubernetes' ? [] : isQualifiedName(f)));
  });
  return causes;
}

export const namespaceKind = defineKind<Namespace>({
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false,
  definition: 'io.k8s.api.core.v1.Namespace',
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  nameRule: 'dns1123Label',
  defaults: defaultNamespace,
  validate: validateNamespace,
  columns: [
    column('Status', 'string', 'The status of the namespace'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (ns, now) => [ns.status?.phase ?? '', age(ns.metadata?.creationTimestamp, now)],
  fieldSelectors: { 'status.phase': (ns) => ns.status?.phase ?? '' },
});

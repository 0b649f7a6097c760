/** core/v1 ServiceAccount. */
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { defineKind } from './define.js';

export const serviceAccountKind = defineKind<ServiceAccount>({
  group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true,
  definition: 'io.k8s.api.core.v1.ServiceAccount',
  shortNames: ['sa'],
  columns: [
    column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (sa, now) => [(sa.secrets ?? []).length, age(sa.metadata?.creationTimestamp, now)],
});

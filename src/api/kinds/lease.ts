/** coordination.k8s.io/v1 Lease (node heartbeats, leader election). */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defineKind } from './define.js';

export function validateLease(lease: Lease): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = lease.spec ?? {};
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push(fieldErrors.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push(fieldErrors.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return causes;
}

export const leaseKind = defineKind<Lease>({
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true,
  definition: 'io.k8s.api.coordination.v1.Lease',
  validate: validateLease,
  columns: [
    column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (lease, now) => [lease.spec?.holderIdentity ?? '', age(lease.metadata?.creationTimestamp, now)],
});

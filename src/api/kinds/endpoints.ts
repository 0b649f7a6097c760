/** core/v1 Endpoints. */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { isDns1123Label, isValidPortNumber } from '../validation/names.js';
import { isValidIp } from '../validation/ip.js';
import { defineKind } from './define.js';

export function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
}

export function validateEndpoints(ep: Endpoints): StatusCause[] {
  const causes: StatusCause[] = [];
  (ep.subsets ?? []).forEach((subset, i) => {
    const path = `subsets[${i}]`;
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      (subset[list] ?? []).forEach((a, j) => {
        causes.push(...invalidEach(`${path}.${list}[${j}].ip`, a.ip, isValidIp(a.ip)));
        if (a.hostname) causes.push(...invalidEach(`${path}.${list}[${j}].hostname`, a.hostname, isDns1123Label(a.hostname)));
      });
    }
    const ports = subset.ports ?? [];
    ports.forEach((p, j) => {
      const portPath = `${path}.ports[${j}]`;
      if (ports.length > 1 && !p.name) causes.push(fieldErrors.required(`${portPath}.name`));
      if (p.name) causes.push(...invalidEach(`${portPath}.name`, p.name, isDns1123Label(p.name)));
      causes.push(...invalidEach(`${portPath}.port`, p.port, isValidPortNumber(p.port)));
      if (p.protocol && !['SCTP', 'TCP', 'UDP'].includes(p.protocol)) causes.push(fieldErrors.notSupported(`${portPath}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return causes;
}

/** "10.0.0.1:80,10.0.0.2:80 + 3 more...", or "<none>" (printers.go formatEndpoints). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let count = 0;
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length < max) list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
      }
    }
  }
  const joined = list.join(',');
  return count > max ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsKind = defineKind<Endpoints>({
  group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true,
  definition: 'io.k8s.api.core.v1.Endpoints',
  shortNames: ['ep'],
  defaults: defaultEndpoints,
  validate: validateEndpoints,
  columns: [
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells: (ep, now) => [formatEndpoints(ep), age(ep.metadata?.creationTimestamp, now)],
});

/** Small builders shared by the kind tests. */
import type { KubeObject } from '../../../src/api/object.js';
import type { ResourceKind } from '../../../src/api/types.js';
import type { StatusCause } from '../../../src/api/errors.js';

export function obj(apiVersion: string, kind: string, body: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'default', ...meta }, ...structuredClone(body) };
}

export function fields(causes: StatusCause[]): string[] {
  return causes.map((c) => c.field ?? '');
}

/** Defaults then validates, as the API server does on create. */
export function createCauses(kind: ResourceKind, o: KubeObject): StatusCause[] {
  kind.applyDefaults(o);
  return kind.validate(o);
}

/** Cells keyed by column name, for readable assertions. */
export function row(kind: ResourceKind, o: KubeObject, now: Date): Record<string, unknown> {
  const cells = kind.table.cells(o, now);
  return Object.fromEntries(kind.table.columns.map((c, i) => [c.name, cells[i]]));
}

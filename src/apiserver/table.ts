/** meta.k8s.io/v1 Table output (kubectl get) built from a kind's table description. */
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export function parseIncludeObject(value: string | undefined): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export function tableRow(kind: ResourceKind, obj: KubeObject, include: IncludeObject, now: Date): TableRow {
  let cells: unknown[];
  try {
    cells = kind.table.cells(obj, now);
  } catch {
    // A half-filled object must not break `kubectl get`: show the name and leave the rest empty.
    cells = kind.table.columns.map((c, i) => (i === 0 ? obj.metadata.name : c.type === 'integer' || c.type === 'number' ? 0 : ''));
  }
  const row: TableRow = { cells };
  if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  else if (include === 'Object') row.object = obj;
  return row;
}

export function columnDefinitions(kind: ResourceKind): unknown[] {
  return kind.table.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority }));
}

export function toTable(kind: ResourceKind, items: KubeObject[], listMeta: Record<string, unknown>, include: IncludeObject, withHeaders = true): Record<string, unknown> {
  const now = new Date();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withHeaders ? columnDefinitions(kind) : [],
    rows: items.map((o) => tableRow(kind, o, include, now)),
  };
}

/** Small formatting helpers shared by the kinds' table printers, matching kubectl's output. */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { TableColumn } from '../types.js';

/** The Name column every kind starts with (format 'name' tells kubectl which cell names the object). */
export const nameColumn: TableColumn = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

export const ageColumn: TableColumn = {
  name: 'Age', type: 'string', priority: 0,
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

export function column(name: string, type: TableColumn['type'], description: string, priority = 0): TableColumn {
  return { name, type, description, priority };
}

/** "a=b,c=d" sorted by key, or "<none>" (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** A LabelSelector as kubectl prints it: "app=web,tier in (a,b),!x", "<none>" for nil, "" for empty. */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '<none>';
  const parts: string[] = [];
  for (const key of Object.keys(selector.matchLabels ?? {}).sort()) parts.push(`${key}=${selector.matchLabels![key]}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(',');
    switch (req.operator) {
      case 'In': parts.push(`${req.key} in (${values})`); break;
      case 'NotIn': parts.push(`${req.key} notin (${values})`); break;
      case 'Exists': parts.push(req.key); break;
      case 'DoesNotExist': parts.push(`!${req.key}`); break;
      default: return '<error>';
    }
  }
  // Upstream sorts the requirements by key when converting to a selector.
  parts.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function keyOf(requirement: string): string {
  return requirement.replace(/^!/, '').split(/[=! ]/)[0]!;
}

/** Containers' names and images joined by commas (layoutContainerCells). */
export function containerCells(containers: ReadonlyArray<{ name?: string; image?: string }> | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** Up to `max` entries joined by commas, then " + N more..." (listWithMoreString). */
export function listWithMore(items: string[], max: number, empty = '<none>'): string {
  if (items.length === 0) return empty;
  if (items.length <= max) return items.join(',');
  return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
}

/** Builds a ResourceKind from the facts that differ between kinds, filling what most kinds share. */
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceKind, Subresource, TableColumn } from '../types.js';
import { validateMetaForKind } from '../validation/metadata.js';
import type { NameRule } from '../validation/names.js';
import { age } from '../printers/age.js';
import { ageColumn, nameColumn } from '../printers/format.js';

export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface KindDefinition<T> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  definition: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: Subresource[];
  tracksGeneration?: boolean;
  /** The rule metadata.name follows; DNS-1123 subdomain unless said otherwise. */
  nameRule?: NameRule;
  defaults?(obj: T): void;
  /** Checks beyond metadata; metadata (and its immutability on update) is checked for every kind. */
  validate?(obj: T, old: T | undefined): StatusCause[];
  /** Columns after Name (and usually ending with Age); cells likewise, without the name. */
  columns?: TableColumn[];
  cells?(obj: T, now: Date): unknown[];
  /** Set when a kind's first column is not Name (core Events). */
  fullTable?: ResourceKind['table'];
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
}

/** View a stored object as its typed shape (the schema has already checked the types). */
export function typed<T>(obj: KubeObject): T {
  return obj as unknown as T;
}

export function defineKind<T>(d: KindDefinition<T>): ResourceKind {
  const subresources = d.subresources ?? [];
  const rules = { namespaced: d.namespaced, nameRule: d.nameRule ?? 'dns1123Subdomain' };
  const columns = d.columns ?? [ageColumn];
  const cells = d.cells ?? ((obj: T, now: Date) => [age((obj as { metadata?: { creationTimestamp?: string } }).metadata?.creationTimestamp, now)]);
  const fieldSelectors: ResourceKind['fieldSelectors'] = {};
  for (const [name, get] of Object.entries(d.fieldSelectors ?? {})) fieldSelectors[name] = (obj) => get(typed<T>(obj));
  return {
    group: d.group,
    version: d.version,
    kind: d.kind,
    listKind: `${d.kind}List`,
    plural: d.plural,
    singular: d.kind.toLowerCase(),
    namespaced: d.namespaced,
    shortNames: d.shortNames ?? [],
    categories: d.categories ?? [],
    verbs: d.verbs ?? allVerbs,
    subresources,
    definition: d.definition,
    hasStatusSubresource: subresources.includes('status'),
    tracksGeneration: d.tracksGeneration ?? false,
    applyDefaults(obj) {
      obj.metadata ??= {};
      d.defaults?.(typed<T>(obj));
    },
    validate(obj, old) {
      const causes = validateMetaForKind(obj, old, rules);
      if (d.validate) causes.push(...d.validate(typed<T>(obj), old ? typed<T>(old) : undefined));
      return causes;
    },
    table: d.fullTable ?? {
      columns: [nameColumn, ...columns],
      cells: (obj, now) => [obj.metadata.name ?? '', ...cells(typed<T>(obj), now)],
    },
    fieldSelectors,
  };
}

/** kubernetes-types marks server-set fields (status, uid) readonly; the server is exactly who sets them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Label and field selectors of a list or watch request, checked against the kind's supported fields. */
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { parseLabelSelector, matches as labelsMatch, type LabelRequirement } from '../api/selectors/label-selector.js';
import { parseFieldSelector, fieldSelectorMatches, unsupportedFields, type FieldRequirement } from '../api/selectors/field-selector.js';

export interface Selection {
  labels: LabelRequirement[] | null;
  fields: FieldRequirement[] | null;
  /** True when every object matches (no selector given). */
  everything: boolean;
  matches(obj: KubeObject): boolean;
}

export function parseSelection(kind: ResourceKind, labelSelector: string | undefined, fieldSelector: string | undefined): Selection {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : null;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : null;
  const supported = ['metadata.name', 'metadata.namespace', ...Object.keys(kind.fieldSelectors)];
  if (fields) {
    const bad = unsupportedFields(fields, supported);
    if (bad.length > 0) {
      throw errors.badRequest(`field label not supported: ${bad[0]} (supported for ${kind.plural}: ${supported.join(', ')})`);
    }
  }
  const everything = (!labels || labels.length === 0) && (!fields || fields.length === 0);
  return {
    labels,
    fields,
    everything,
    matches(obj: KubeObject): boolean {
      if (everything) return true;
      if (labels && labels.length > 0 && !labelsMatch(labels, obj.metadata.labels as Record<string, string> | undefined)) return false;
      if (fields && fields.length > 0) {
        const get = (path: string): string | undefined => {
          if (path === 'metadata.name') return obj.metadata.name;
          if (path === 'metadata.namespace') return obj.metadata.namespace;
          return kind.fieldSelectors[path]?.(obj);
        };
        if (!fieldSelectorMatches(fields, get)) return false;
      }
      return true;
    },
  };
}

/** A field selector's required metadata.name (kubectl get NAME -w), to narrow the store read to one key. */
export function selectedName(selection: Selection): string | undefined {
  return selection.fields?.find((f) => f.field === 'metadata.name' && f.operator !== '!=')?.value;
}

/** LabelSelector checks and matching (apimachinery meta/v1/validation and labels). */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { StatusCause } from '../errors.js';
import { fieldErrors, invalidEach } from './field-errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels } from './metadata.js';

const operators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function validateLabelSelector(selector: LabelSelector | undefined, field: string): StatusCause[] {
  if (!selector) return [];
  const causes = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(fieldErrors.required(`${path}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(fieldErrors.forbidden(`${path}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        break;
      default:
        causes.push(fieldErrors.invalid(`${path}.operator`, req.operator, 'not a valid selector operator'));
    }
    causes.push(...invalidEach(`${path}.key`, req.key, isQualifiedName(req.key ?? '')));
    values.forEach((v, j) => causes.push(...invalidEach(`${path}.values[${j}]`, v, isValidLabelValue(v))));
  });
  return causes;
}

/** True when the selector selects nothing-in-particular (no matchLabels and no matchExpressions). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/** Does the selector select these labels? A nil selector selects nothing; an empty one selects everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (l[key] !== value) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator as (typeof operators)[number]) {
      case 'In': if (!has || !values.includes(l[req.key]!)) return false; break;
      case 'NotIn': if (has && values.includes(l[req.key]!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { fromLabelSelector, matches, toString, type LabelRequirement } from '../../api/selectors/label-selector.js';

/** A compiled label selector: true when the labels match. */
export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const matchNothing: LabelMatcher = () => false;

function requirements(selector: LabelSelector | undefined | null): LabelRequirement[] | null {
  try {
    return fromLabelSelector(selector);
  } catch {
    return null; // an invalid selector selects nothing (the API server rejects them on write anyway)
  }
}

/** A null selector matches nothing; an empty one matches everything (Kubernetes' affinity-term semantics). */
export function compileLabelSelector(selector: LabelSelector | undefined | null): LabelMatcher {
  const reqs = requirements(selector);
  if (reqs === null) return matchNothing;
  return (labels) => matches(reqs, labels);
}

/** Canonical text of a selector, so equal selectors share cached match counts. */
export function selectorKey(selector: LabelSelector | undefined | null): string {
  const reqs = requirements(selector);
  return reqs === null ? '<none>' : toString(reqs);
}

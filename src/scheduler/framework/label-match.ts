import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

/** A compiled label selector: true when the labels match. */
export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const matchNothing: LabelMatcher = () => false;

// TODO(integration): delegate to src/api/selectors/label-selector.ts once it lands.
/** A null selector matches nothing; an empty one matches everything (Kubernetes' affinity-term semantics). */
export function compileLabelSelector(selector: LabelSelector | undefined | null): LabelMatcher {
  if (!selector) return matchNothing;
  const checks: Array<(labels: Record<string, string>) => boolean> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) checks.push((l) => l[key] === value);
  for (const expr of selector.matchExpressions ?? []) {
    const values = new Set(expr.values ?? []);
    const key = expr.key;
    switch (expr.operator) {
      case 'In': checks.push((l) => key in l && values.has(l[key]!)); break;
      case 'NotIn': checks.push((l) => !(key in l) || !values.has(l[key]!)); break;
      case 'Exists': checks.push((l) => key in l); break;
      case 'DoesNotExist': checks.push((l) => !(key in l)); break;
      default: return matchNothing;
    }
  }
  return (labels) => {
    const l = labels ?? {};
    for (const check of checks) if (!check(l)) return false;
    return true;
  };
}

export function selectorKey(selector: LabelSelector | undefined | null): string {
  if (!selector) return '<none>';
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  const exprs = (selector.matchExpressions ?? [])
    .map((e) => `${e.key} ${e.operator} (${[...(e.values ?? [])].sort().join(',')})`)
    .sort();
  return [...labels, ...exprs].join(',');
}

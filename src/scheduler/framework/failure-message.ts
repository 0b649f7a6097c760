import type { Diagnosis } from './schedule-one.js';

/** Kubernetes' FitError text: "0/5 nodes are available: 2 node(s) didn't match …, 3 Insufficient cpu." */
export function failureMessage(diagnosis: Diagnosis): string {
  let message = `0/${diagnosis.totalNodes} nodes are available`;
  if (diagnosis.totalNodes === 0) return `${message}: no nodes available to schedule pods.`;
  message += ':';
  const histogram = new Map<string, number>();
  if (diagnosis.preFilterFailure) {
    message += ` ${diagnosis.preFilterFailure.reasons.join(', ')}.`;
  } else {
    for (const failure of diagnosis.failures.values()) {
      for (const reason of failure.reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
    }
    const parts = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
    if (parts.length > 0) message += ` ${parts.join(', ')}.`;
  }
  if (diagnosis.postFilterMessage) message += ` ${diagnosis.postFilterMessage}.`;
  return message;
}

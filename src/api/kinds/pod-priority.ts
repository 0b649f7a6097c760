/**
 * The Priority admission step that needs the stored PriorityClasses (the API server calls it on pod create with
 * the current classes): spec.priority and spec.preemptionPolicy come from the named class, or from the
 * globalDefault class when none is named, or are 0 / PreemptLowerPriority.
 */
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { systemPriorityClasses } from './priorityclass.js';

export type PriorityResolution =
  | { ok: true; priority: number; preemptionPolicy: string; priorityClassName?: string }
  | { ok: false; message: string };

export function resolvePodPriority(spec: PodSpec, classes: readonly PriorityClass[]): PriorityResolution {
  const name = spec.priorityClassName;
  if (!name) {
    const globalDefault = classes.filter((c) => c.globalDefault).sort((a, b) => a.value - b.value)[0];
    if (!globalDefault) return { ok: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority' };
    return {
      ok: true, priority: globalDefault.value, priorityClassName: globalDefault.metadata?.name,
      preemptionPolicy: globalDefault.preemptionPolicy ?? 'PreemptLowerPriority',
    };
  }
  const named = classes.find((c) => c.metadata?.name === name);
  if (named) return { ok: true, priority: named.value, preemptionPolicy: named.preemptionPolicy ?? 'PreemptLowerPriority', priorityClassName: name };
  const system = systemPriorityClasses[name];
  if (system !== undefined) return { ok: true, priority: system, preemptionPolicy: 'PreemptLowerPriority', priorityClassName: name };
  return { ok: false, message: `no PriorityClass with name ${name} was found` };
}

/** Apply a successful resolution to the spec; a pod that already carries a different priority is refused upstream. */
export function applyPodPriority(spec: PodSpec, resolution: PriorityResolution & { ok: true }): void {
  spec.priority = resolution.priority;
  spec.preemptionPolicy = resolution.preemptionPolicy;
  if (resolution.priorityClassName) spec.priorityClassName = resolution.priorityClassName;
}

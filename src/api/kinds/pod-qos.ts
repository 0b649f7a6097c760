/** A pod's QoS class from its containers' cpu and memory requests and limits (k/k GetPodQOS). */
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { Quantity, tryParseQuantity } from '../quantity.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const computeResources = ['cpu', 'memory'] as const;

export function podQosClass(spec: PodSpec | undefined): QosClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const containers: Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  for (const c of containers) {
    for (const name of computeResources) {
      const request = tryParseQuantity(c.resources?.requests?.[name]);
      if (request && !request.isZero()) requests.set(name, (requests.get(name) ?? Quantity.zero).add(request));
    }
    const seen = new Set<string>();
    for (const name of computeResources) {
      const limit = tryParseQuantity(c.resources?.limits?.[name]);
      if (limit && !limit.isZero()) {
        seen.add(name);
        limits.set(name, (limits.get(name) ?? Quantity.zero).add(limit));
      }
    }
    if (seen.size !== computeResources.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, request] of requests) {
      if (!limits.get(name)?.equals(request)) return 'Burstable';
    }
    if (requests.size === limits.size) return 'Guaranteed';
  }
  return 'Burstable';
}

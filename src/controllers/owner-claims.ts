import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { fromLabelSelector, matches, type LabelRequirement } from '../api/selectors/label-selector.js';
import { isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import type { Resource, ResourceType } from '../client/resources.js';
import { controllerRef, isControlledBy, newControllerRef } from './owner-references.js';

export interface ClaimOptions<T extends Resource> {
  client: ApiClient;
  /** The controller object (ReplicaSet, Job, Deployment …). */
  owner: Resource;
  ownerApiVersion: string;
  ownerKind: string;
  /** The owner's selector; null selects nothing. */
  selector: LabelRequirement[] | null;
  /** The dependents' resource and the candidates in the owner's namespace. */
  ref: ResourceType<T>;
  candidates: Iterable<T>;
}

/**
 * client-go's ControllerRefManager: returns the dependents the owner controls after adopting matching orphans
 * and releasing owned ones that no longer match. Nothing is adopted while the owner or the orphan is being
 * deleted, and nothing is released while either is being deleted (as upstream).
 */
export async function claimDependents<T extends Resource>(o: ClaimOptions<T>): Promise<T[]> {
  const owned: T[] = [];
  const ownerDeleting = Boolean(o.owner.metadata?.deletionTimestamp);
  for (const obj of o.candidates) {
    const matching = matches(o.selector, obj.metadata?.labels);
    const deleting = Boolean(obj.metadata?.deletionTimestamp);
    if (isControlledBy(obj, o.owner)) {
      if (matching || deleting || ownerDeleting) { owned.push(obj); continue; }
      await patchOwnerReferences(o.client, o.ref, obj, (refs) => refs.filter((r) => r.uid !== o.owner.metadata?.uid));
      continue;
    }
    if (controllerRef(obj) || !matching || deleting || ownerDeleting) continue;
    const adopted = await patchOwnerReferences(o.client, o.ref, obj, (refs) => [...refs, newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind)]);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

/** Rewrites a dependent's ownerReferences guarded by its resourceVersion; undefined if it changed or vanished. */
async function patchOwnerReferences<T extends Resource>(client: ApiClient, ref: ResourceType<T>, obj: T, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<T | undefined> {
  try {
    return await client.patch(ref, obj.metadata!.name!, {
      metadata: { ownerReferences: change(obj.metadata?.ownerReferences ?? []), resourceVersion: obj.metadata?.resourceVersion },
    }, 'merge', { namespace: obj.metadata!.namespace });
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return undefined;
    throw err;
  }
}

/**
 * The keys of the owners to reconcile when a dependent changes: its controller (if of `ownerKind`), or, for an
 * orphan, every candidate owner whose selector matches it (it may be adopted).
 */
export function ownerKeysOf(obj: Resource, ownerKind: string, ownersInNamespace: () => Array<Resource & { spec?: { selector?: Parameters<typeof fromLabelSelector>[0] } }>): string[] {
  const ns = obj.metadata?.namespace ?? '';
  const ref = controllerRef(obj);
  if (ref) return ref.kind === ownerKind ? [`${ns}/${ref.name}`] : [];
  return ownersInNamespace()
    .filter((owner) => {
      try { return matches(fromLabelSelector(owner.spec?.selector), obj.metadata?.labels); } catch { return false; }
    })
    .map((owner) => `${ns}/${owner.metadata?.name}`);
}

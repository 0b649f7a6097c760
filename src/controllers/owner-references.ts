import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { Resource } from '../client/resources.js';

export function controllerRef(obj: Resource): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

/** An ownerReference that makes `owner` the controller of a dependent (blocking its foreground deletion). */
export function newControllerRef(owner: Resource, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

export function isControlledBy(obj: Resource, owner: Resource): boolean {
  const ref = controllerRef(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/** `namespace/name` of the object's controller when it is of `kind`. */
export function controllerKey(obj: Resource, kind: string): string | undefined {
  const ref = controllerRef(obj);
  return ref?.kind === kind ? `${obj.metadata?.namespace}/${ref.name}` : undefined;
}

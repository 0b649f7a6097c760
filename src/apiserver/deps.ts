/**
 * The API server's bindings to parts written elsewhere: the registry (src/api/registry.ts), schema validation
 * (src/api/schema/validate.ts) and the patch engines (src/apiserver/patch/).
 */
import { errors, type StatusCause } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { kinds } from '../api/registry.js';
import { definition, resolve } from '../api/schema/index.js';
import { fieldValidationOutcome, validateObject, type FieldValidation } from '../api/schema/validate.js';
import type { ResourceKind } from '../api/types.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { apply as serverSideApply, recordUpdate } from './patch/server-side-apply.js';
import { strategicMerge } from './patch/strategic-merge-patch.js';
import type { PatchType } from './negotiation.js';

export type { FieldValidation };

export interface SchemaCheckResult {
  object: KubeObject;
  warnings: string[];
  causes: StatusCause[];
}

export function registeredKinds(): readonly ResourceKind[] {
  return kinds;
}

/**
 * Structural check against the kind's OpenAPI schema: throws 400 for values of the wrong type (and, with
 * Strict, unknown fields); returns the pruned object, warnings for unknown fields, and 422 causes.
 */
export function checkSchema(kind: ResourceKind, obj: Record<string, unknown>, fieldValidation: FieldValidation): SchemaCheckResult {
  const result = validateObject(kind.definition, obj, { fieldValidation });
  const outcome = fieldValidationOutcome(result, kind.kind, kind.version, fieldValidation);
  if (outcome.error) throw outcome.error;
  return { object: result.pruned, warnings: outcome.warnings, causes: result.causes };
}

export interface PatchRequest {
  type: PatchType;
  kind: ResourceKind;
  /** The parsed patch document (JSON, or YAML for apply). */
  patch: unknown;
  fieldManager?: string;
  force: boolean;
  /** 'status' when patching through /status. */
  subresource?: string;
}

/** Applies a patch to the current object (undefined when it does not exist: only apply may create). */
export function applyPatch(current: KubeObject | undefined, request: PatchRequest): KubeObject {
  const schema = definition(request.kind.definition);
  switch (request.type) {
    case 'json':
      return applyJsonPatch(current ?? {}, request.patch) as unknown as KubeObject;
    case 'merge':
      return applyMergePatch(current ?? {}, request.patch) as unknown as KubeObject;
    case 'strategic':
      return strategicMerge(current ?? {}, request.patch, schema, resolve) as unknown as KubeObject;
    case 'apply': {
      if (!request.fieldManager) throw errors.badRequest('PATCH with content type application/apply-patch+yaml requires the fieldManager query parameter');
      const resetFields = request.kind.hasStatusSubresource ? [request.subresource === 'status' ? ['spec'] : ['status']] : [];
      return serverSideApply(current, request.patch, request.fieldManager, {
        schema, resolve, force: request.force, subresource: request.subresource, resetFields,
      }).object as unknown as KubeObject;
    }
  }
}

/**
 * Records `manager`'s ownership of what an ordinary write (create, update, non-apply patch) changed in
 * metadata.managedFields, as Kubernetes does for every write. Returns the object to store.
 */
export function trackManagedFields(kind: ResourceKind, old: KubeObject | undefined, next: KubeObject, manager: string, subresource?: string): KubeObject {
  const resetFields = kind.hasStatusSubresource ? [subresource === 'status' ? ['spec'] : ['status']] : [];
  const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
  return recordUpdate(old, next, manager, 'Update', apiVersion, { schema: definition(kind.definition), resolve, subresource, resetFields }).object as unknown as KubeObject;
}

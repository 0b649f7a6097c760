/**
 * The API server's bindings to parts written elsewhere (registry, schema validation, patch). Until a part lands,
 * its TEMPORARY stand-in from ./stand-ins/ is used; swapping one is a change to this file only.
 */
import type { KubeObject } from '../api/object.js';
import type { ResourceKind } from '../api/types.js';
import { kinds as standInKinds } from './stand-ins/registry.js';
import { standInSchemaCheck, type SchemaCheckResult } from './stand-ins/schema-check.js';
import { standInJsonPatch, standInMergePatch } from './stand-ins/patch.js';
import type { PatchType } from './negotiation.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
export type { SchemaCheckResult };

export function registeredKinds(): readonly ResourceKind[] {
  return standInKinds;
}

/**
 * Structural check against the kind's OpenAPI schema: throws 400 for values of the wrong type (and, with
 * Strict, unknown fields); returns the pruned object, warnings for unknown fields, and 422 causes.
 */
export function checkSchema(kind: ResourceKind, obj: Record<string, unknown>, _fieldValidation: FieldValidation): SchemaCheckResult {
  return standInSchemaCheck(kind.definition, obj);
}

export interface PatchRequest {
  type: PatchType;
  kind: ResourceKind;
  /** The parsed patch document (JSON, or YAML for apply). */
  patch: unknown;
  fieldManager?: string;
  force: boolean;
}

/** Applies a patch to the current object (undefined when it does not exist: only apply may create). */
export function applyPatch(current: KubeObject | undefined, request: PatchRequest): KubeObject {
  switch (request.type) {
    case 'json':
      return standInJsonPatch(current, request.patch) as KubeObject;
    case 'merge':
    case 'strategic':
    case 'apply':
      return standInMergePatch(current, request.patch) as KubeObject;
  }
}

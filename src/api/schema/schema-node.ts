/**
 * One node of an OpenAPI (v2-style) schema as stored in src/api/schema/definitions.json, keyed by upstream
 * definition names such as 'io.k8s.api.apps.v1.Deployment'. References look like
 * { "$ref": "#/definitions/io.k8s.api.core.v1.PodSpec" }.
 */
export interface SchemaNode {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  /** 'int-or-string' (IntOrString), 'quantity'-like strings keep type string, 'date-time', 'int32', 'int64', 'byte' … */
  format?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  /** Strategic merge patch: merge lists of objects element-by-element by this key. */
  'x-kubernetes-patch-merge-key'?: string;
  /** Strategic merge patch: 'merge', 'replace', 'retainKeys' or 'merge,retainKeys'. */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
}

export type Definitions = Record<string, SchemaNode>;

/**
 * OpenAPI v3: the index at /openapi/v3 and one document per group-version at /openapi/v3/api/v1,
 * /openapi/v3/apis/apps/v1, … (kubectl 1.32 reads these for `explain`, for deciding that the server does field
 * validation, and for strategic-merge-patch metadata in `apply`).
 */
import { createHash } from 'node:crypto';
import type { SchemaNode } from '../../api/schema/schema-node.js';
import type { ResourceKind } from '../../api/types.js';
import { groupVersionPath, pathsForKind, type Operation, type PathItem } from './operations.js';
import { publishedDefinitions } from './published-definitions.js';
import { PATH_PARAMETER_DESCRIPTIONS, PRETTY_DESCRIPTION, SERVED_KUBERNETES_VERSION } from './v2.js';

/** A v3 schema: our SchemaNode vocabulary plus allOf / oneOf, with refs to #/components/schemas/. */
export type V3Schema = Omit<SchemaNode, 'properties' | 'items' | 'additionalProperties'> & {
  allOf?: V3Schema[];
  oneOf?: V3Schema[];
  properties?: Record<string, V3Schema>;
  items?: V3Schema;
  additionalProperties?: V3Schema | boolean;
  uniqueItems?: boolean;
};

export interface V3Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: V3Schema;
}

type Content = Record<string, { schema: V3Schema }>;

export interface V3Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters: V3Parameter[];
  requestBody?: { content: Content; required: true };
  responses: Record<string, { description: string; content?: Content }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; kind: string; version: string };
}

export interface V3PathItem {
  parameters: V3Parameter[];
  get?: V3Operation;
  put?: V3Operation;
  post?: V3Operation;
  patch?: V3Operation;
  delete?: V3Operation;
}

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, V3PathItem>;
  components: {
    schemas: Record<string, V3Schema>;
    securitySchemes: Record<string, { type: 'apiKey'; name: string; in: 'header'; description: string }>;
  };
  security: Array<Record<string, string[]>>;
}

export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

const componentRef = (definition: string): V3Schema => ({ $ref: `#/components/schemas/${definition}` });

/** Rewrites a v2 schema node into v3 form: refs into components, a `$ref` with siblings into `allOf`. */
export function toV3Schema(node: SchemaNode): V3Schema {
  const out: V3Schema = {};
  for (const [key, value] of Object.entries(node) as Array<[keyof SchemaNode, unknown]>) {
    switch (key) {
      case '$ref': break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(value as Record<string, SchemaNode>).map(([k, v]) => [k, toV3Schema(v)]));
        break;
      case 'items': out.items = toV3Schema(value as SchemaNode); break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : toV3Schema(value as SchemaNode);
        break;
      default: (out as Record<string, unknown>)[key] = value;
    }
  }
  if (node.$ref) {
    const target = componentRef(node.$ref.replace('#/definitions/', ''));
    if (Object.keys(out).length === 0) return target;
    return { allOf: [target], ...out };
  }
  return out;
}

/** Component schema for a definition; IntOrString and Quantity take the v3 forms kube-apiserver publishes. */
function componentSchema(name: string, node: SchemaNode): V3Schema {
  const description = node.description ? { description: node.description } : {};
  if (name === INT_OR_STRING) return { ...description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
  if (name === QUANTITY) return { ...description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  return toV3Schema(node);
}

function content(types: readonly string[], schema: V3Schema): Content {
  return Object.fromEntries(types.map((type) => [type, { schema }]));
}

function v3Operation(operation: Operation): V3Operation {
  const parameters = operation.query.map((p): V3Parameter => ({
    name: p.name, in: 'query', description: p.description, schema: { type: p.type, uniqueItems: true },
  }));
  const responseSchema = operation.response ? componentRef(operation.response) : { type: 'string' as const };
  const body = content(operation.produces, responseSchema);
  const responses: V3Operation['responses'] = { 200: { description: 'OK', content: body } };
  for (const code of operation.extraSuccessCodes) responses[code] = { description: code === 201 ? 'Created' : 'Accepted', content: body };
  responses[401] = { description: 'Unauthorized' };
  const out: V3Operation = {
    tags: [operation.tag],
    description: operation.description,
    operationId: operation.operationId,
    parameters,
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
  if (operation.body) {
    const schema = operation.body.definition ? componentRef(operation.body.definition) : { type: 'object' as const };
    out.requestBody = { content: content(operation.body.contentTypes, schema), required: true };
  }
  return out;
}

function v3PathItem(item: PathItem): V3PathItem {
  const out: V3PathItem = {
    parameters: [
      ...item.pathParams.map((name): V3Parameter => ({
        name, in: 'path', required: true, description: PATH_PARAMETER_DESCRIPTIONS[name], schema: { type: 'string', uniqueItems: true },
      })),
      { name: 'pretty', in: 'query', description: PRETTY_DESCRIPTION, schema: { type: 'string', uniqueItems: true } },
    ],
  };
  for (const operation of item.operations) out[operation.method] = v3Operation(operation);
  return out;
}

/** `api/v1`, `apis/apps/v1`: the key of a group-version in the v3 index (no leading slash). */
export function groupVersionKey(group: string, version: string): string {
  return groupVersionPath(group, version).slice(1);
}

/** Group-version keys of the served kinds, in first-seen order. */
export function servedGroupVersions(kinds: readonly ResourceKind[]): string[] {
  return [...new Set(kinds.map((k) => groupVersionKey(k.group, k.version)))];
}

/**
 * The v3 document of one group-version (`groupVersion` as 'api/v1', 'apis/apps/v1', 'v1' or 'apps/v1'), or
 * undefined when no served kind belongs to it.
 */
export function openApiV3For(groupVersion: string, kinds: readonly ResourceKind[]): OpenApiV3Document | undefined {
  const key = normalizeGroupVersion(groupVersion);
  const own = kinds.filter((k) => groupVersionKey(k.group, k.version) === key);
  if (own.length === 0) return undefined;
  const paths: Record<string, V3PathItem> = {};
  for (const kind of own) for (const item of pathsForKind(kind)) paths[item.path] = v3PathItem(item);
  const schemas: Record<string, V3Schema> = {};
  for (const [name, node] of Object.entries(publishedDefinitions(own))) schemas[name] = componentSchema(name, node);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVED_KUBERNETES_VERSION },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    },
    security: [{ BearerToken: [] }],
  };
}

function normalizeGroupVersion(groupVersion: string): string {
  const trimmed = groupVersion.replace(/^\/+/, '').replace(/^openapi\/v3\//, '');
  if (trimmed.startsWith('api/') || trimmed.startsWith('apis/')) return trimmed;
  return trimmed.includes('/') ? `apis/${trimmed}` : `api/${trimmed}`;
}

/** Upper-case hex SHA-512, as kube-apiserver uses for the `hash` of each group-version document. */
export function documentHash(serialized: string | Buffer): string {
  return createHash('sha512').update(serialized).digest('hex').toUpperCase();
}

/** The serialized bytes of a document, as served (hashes are computed over exactly these bytes). */
export function serialize(document: unknown): string {
  return JSON.stringify(document);
}

/** The /openapi/v3 index: each served group-version with its document URL carrying the document's hash. */
export function openApiV3Index(kinds: readonly ResourceKind[]): OpenApiV3Index {
  const paths: OpenApiV3Index['paths'] = {};
  for (const key of servedGroupVersions(kinds)) {
    const doc = openApiV3For(key, kinds)!;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(serialize(doc))}` };
  }
  return { paths };
}

/** The Swagger 2.0 document served at /openapi/v2 (JSON form; `v2-protobuf.ts` encodes the same document). */
import type { Definitions, SchemaNode } from '../../api/schema/schema-node.js';
import type { ResourceKind } from '../../api/types.js';
import { pathsForKind, type Operation, type PathItem } from './operations.js';
import { publishedDefinitions } from './published-definitions.js';

export const SERVED_KUBERNETES_VERSION = 'v1.32.0';

export interface V2Parameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description: string;
  type?: string;
  required?: boolean;
  uniqueItems?: boolean;
  schema?: SchemaNode;
}

export interface V2Operation {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters: V2Parameter[];
  responses: Record<string, { description: string; schema?: SchemaNode }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; kind: string; version: string };
}

export interface V2PathItem {
  parameters: V2Parameter[];
  get?: V2Operation;
  put?: V2Operation;
  post?: V2Operation;
  patch?: V2Operation;
  delete?: V2Operation;
}

export interface OpenApiV2Document {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, V2PathItem>;
  definitions: Definitions;
  securityDefinitions: Record<string, { type: 'apiKey'; name: string; in: 'header'; description: string }>;
  security: Array<Record<string, string[]>>;
}

export const PATH_PARAMETER_DESCRIPTIONS = {
  name: 'name of the resource',
  namespace: 'object name and auth scope, such as for teams and projects',
};
export const PRETTY_DESCRIPTION = "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).";

const ref = (definition: string): SchemaNode => ({ $ref: `#/definitions/${definition}` });

function v2Operation(operation: Operation): V2Operation {
  const parameters: V2Parameter[] = [];
  if (operation.body) {
    parameters.push({
      name: 'body', in: 'body', required: true, description: '',
      schema: operation.body.definition ? ref(operation.body.definition) : { type: 'object' },
    });
  }
  for (const p of operation.query) parameters.push({ name: p.name, in: 'query', type: p.type, uniqueItems: true, description: p.description });
  const schema = operation.response ? ref(operation.response) : { type: 'string' as const };
  const responses: V2Operation['responses'] = { 200: { description: 'OK', schema } };
  for (const code of operation.extraSuccessCodes) responses[code] = { description: code === 201 ? 'Created' : 'Accepted', schema };
  responses[401] = { description: 'Unauthorized' };
  return {
    description: operation.description,
    consumes: operation.body?.contentTypes ?? ['*/*'],
    produces: operation.produces,
    schemes: ['https'],
    tags: [operation.tag],
    operationId: operation.operationId,
    parameters,
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
}

export function v2PathItem(item: PathItem): V2PathItem {
  const out: V2PathItem = {
    parameters: [
      ...item.pathParams.map((name): V2Parameter => ({
        name, in: 'path', required: true, type: 'string', uniqueItems: true, description: PATH_PARAMETER_DESCRIPTIONS[name],
      })),
      { name: 'pretty', in: 'query', type: 'string', uniqueItems: true, description: PRETTY_DESCRIPTION },
    ],
  };
  for (const operation of item.operations) out[operation.method] = v2Operation(operation);
  return out;
}

/** The whole Swagger 2.0 document for the served kinds. */
export function openApiV2(kinds: readonly ResourceKind[]): OpenApiV2Document {
  const paths: Record<string, V2PathItem> = {};
  for (const kind of kinds) for (const item of pathsForKind(kind)) paths[item.path] = v2PathItem(item);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVED_KUBERNETES_VERSION },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    definitions: publishedDefinitions(kinds),
    securityDefinitions: {
      BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' },
    },
    security: [{ BearerToken: [] }],
  };
}

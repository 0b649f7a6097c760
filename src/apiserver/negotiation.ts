/** Content negotiation: what the client sent (JSON or YAML bodies, patch types) and what it accepts (JSON, YAML, Table, aggregated discovery). */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ApiError, errors } from '../api/errors.js';
import { isObject } from '../api/object.js';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf/decode.js';

export interface MediaRange {
  type: string; // e.g. application/json
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map(parseMediaType).filter((m) => m.type.length > 0);
}

export function parseMediaType(value: string): MediaRange {
  const [type, ...params] = value.split(';');
  const out: MediaRange = { type: (type ?? '').trim().toLowerCase(), params: {} };
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq > 0) out.params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return out;
}

export type ResponseFormat = 'json' | 'yaml';

export interface AcceptInfo {
  format: ResponseFormat;
  /** The client asked for a meta.k8s.io Table (kubectl get). */
  table: boolean;
  /** The client asked for aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList). */
  aggregatedDiscovery: boolean;
}

/** Picks the first acceptable representation in the client's order (q-values ignored, as client-go sends none). */
export function negotiate(header: string | undefined): AcceptInfo {
  const ranges = parseAccept(header);
  for (const r of ranges) {
    const g = r.params['g'];
    const as = r.params['as'];
    const jsonish = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    if (as === 'Table' && g === 'meta.k8s.io' && (r.params['v'] === 'v1' || r.params['v'] === 'v1beta1') && jsonish) {
      return { format: 'json', table: true, aggregatedDiscovery: false };
    }
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && r.params['v'] === 'v2' && jsonish) {
      return { format: 'json', table: false, aggregatedDiscovery: true };
    }
    if (as !== undefined) continue; // other "as" targets (v2beta1 discovery, PartialObjectMetadata) we do not serve
    if (jsonish) return { format: 'json', table: false, aggregatedDiscovery: false };
    if (r.type === 'application/yaml') return { format: 'yaml', table: false, aggregatedDiscovery: false };
    // protobuf and anything else: keep looking; kubectl always lists a JSON alternative.
  }
  return { format: 'json', table: false, aggregatedDiscovery: false };
}

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = parseMediaType(contentType ?? '').type;
  const patchType = PATCH_TYPES[type];
  if (!patchType || type === 'application/apply-patch+cbor') throw errors.unsupportedMediaType(contentType ?? '');
  return patchType;
}

/** Decodes a create/update body (JSON or YAML) into an object. 400 on syntax errors, 415 on other media types. */
export function decodeObjectBody(body: Buffer | undefined, contentType: string | undefined): Record<string, unknown> {
  const type = parseMediaType(contentType ?? 'application/json').type;
  let value: unknown;
  if (type === 'application/json' || type === '' || type === '*/*') value = parseJson(body);
  else if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') value = parseYamlBody(body);
  else if (type === PROTOBUF_CONTENT_TYPE) value = decodeKubernetesProtobuf(body ?? Buffer.alloc(0));
  else throw errors.unsupportedMediaType(contentType ?? '');
  if (!isObject(value)) throw errors.badRequest('the request body must be a JSON or YAML object');
  return value;
}

/** Deepest nesting a request body may have; real objects stay far below it, and it keeps recursion safe. */
export const MAX_BODY_DEPTH = 100;

/** Rejects (400) documents nested deeper than MAX_BODY_DEPTH, checked without recursion. */
export function assertDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) throw errors.badRequest('the request body holds a value JSON cannot represent (e.g. a YAML !!binary or !!set); send plain JSON or YAML values');
    if (depth > MAX_BODY_DEPTH) throw errors.badRequest(`the request body is nested more than ${MAX_BODY_DEPTH} levels deep`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

export function parseJson(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw errors.badRequest('the request body is empty; send a JSON or YAML object');
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    assertDepth(value);
    return value;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const why = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message;
    throw errors.badRequest(`couldn't decode the request body as JSON: ${why}`);
  }
}

export function parseYamlBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw errors.badRequest('the request body is empty; send a JSON or YAML object');
  try {
    const value: unknown = parseYaml(body.toString('utf8'), { maxAliasCount: 100, uniqueKeys: false });
    assertDepth(value);
    return value;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const why = err instanceof RangeError ? 'the document is nested too deeply' : (err as Error).message.split('\n')[0];
    throw errors.badRequest(`couldn't decode the request body as YAML: ${why}`);
  }
}

export function encodeBody(value: unknown, format: ResponseFormat): { body: string; contentType: string } {
  if (format === 'yaml') return { body: stringifyYaml(value), contentType: 'application/yaml' };
  return { body: JSON.stringify(value), contentType: 'application/json' };
}

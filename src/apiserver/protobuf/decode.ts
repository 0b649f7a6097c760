/**
 * Reads request bodies in Kubernetes' protobuf encoding (Content-Type application/vnd.kubernetes.protobuf), which
 * kubectl's typed clients send (`kubectl create namespace|deployment|configmap|secret|service …`):
 * the magic bytes "k8s\0", then a runtime.Unknown {typeMeta, raw} whose raw bytes are the object's message.
 * The result is the object as Kubernetes would serialize it to JSON (Go omitempty for scalars, times as RFC 3339,
 * IntOrString and Quantity as plain values).
 */
import { createRequire } from 'node:module';
import { errors } from '../../api/errors.js';
import type { MessageTable, FieldInfo } from './message-table.js';
import { readFields, readPackedVarints, readString, WireError } from './wire.js';

const table = createRequire(import.meta.url)('./k8s-messages.json') as MessageTable;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const T = { double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9, message: 11, bytes: 12, uint32: 13, enum: 14 } as const;
const REPEATED = 3;
/** Pointer fields whose zero is meaningful and which Go therefore keeps (most zeros are omitempty). */
const KEEP_ZERO = new Set(['replicas', 'parallelism', 'completions', 'backoffLimit', 'revisionHistoryLimit']);

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const byField = new Map<string, Map<number, FieldInfo>>();
function fieldsOf(message: string): Map<number, FieldInfo> | undefined {
  let m = byField.get(message);
  if (!m) {
    const info = table[message];
    if (!info) return undefined;
    m = new Map(info.fields.map((f) => [f[0], f]));
    byField.set(message, m);
  }
  return m;
}

/** The protobuf message of an apiVersion/kind: `apps/v1` Deployment → .k8s.io.api.apps.v1.Deployment. */
export function messageName(apiVersion: string, kind: string): string | undefined {
  const [groupOrVersion, maybeVersion] = apiVersion.split('/');
  const group = maybeVersion === undefined ? 'core' : groupOrVersion!.split('.')[0]!;
  const version = maybeVersion ?? groupOrVersion!;
  for (const candidate of [`.k8s.io.api.${group}.${version}.${kind}`, `${META}.${kind}`]) if (table[candidate]) return candidate;
  return undefined;
}

export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('the protobuf body does not start with the Kubernetes envelope ("k8s\\x00")');
  try {
    const unknown = decodeMessage('.k8s.io.apimachinery.pkg.runtime.Unknown', body.subarray(4), true) as Record<string, unknown>;
    const typeMeta = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
    if (unknown['contentEncoding']) throw errors.badRequest(`protobuf bodies with contentEncoding ${JSON.stringify(unknown['contentEncoding'])} are not supported; send JSON`);
    if (!typeMeta.apiVersion || !typeMeta.kind) throw errors.badRequest('the protobuf envelope names no apiVersion and kind');
    const name = messageName(typeMeta.apiVersion, typeMeta.kind);
    if (!name) throw errors.unsupportedMediaType(`${PROTOBUF_CONTENT_TYPE} for ${typeMeta.apiVersion} ${typeMeta.kind} (send JSON)`);
    const raw = unknown['raw'] instanceof Uint8Array ? unknown['raw'] : new Uint8Array();
    const obj = decodeMessage(name, raw) as Record<string, unknown>;
    return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
  } catch (err) {
    if (err instanceof WireError || err instanceof RangeError) throw errors.badRequest(`couldn't decode the protobuf body: ${err.message}`);
    throw err;
  }
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string | undefined {
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  if (!micro) return iso;
  return iso.replace('Z', `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`);
}

/** Decodes one message; `keepBytes` leaves bytes fields as bytes (for the envelope's raw). */
function decodeMessage(name: string, buf: Uint8Array, keepBytes = false, depth = 0): unknown {
  if (depth > 64) throw new WireError('message nested too deeply');
  const scalars = new Map<number, number | Uint8Array>();
  const collect = (): void => {
    for (const f of readFields(buf)) scalars.set(f.number, f.value);
  };
  switch (name) {
    case `${META}.Time`:
    case `${META}.MicroTime`: {
      collect();
      return rfc3339(Number(scalars.get(1) ?? 0), Number(scalars.get(2) ?? 0), name.endsWith('MicroTime'));
    }
    case '.k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      collect();
      return Number(scalars.get(1) ?? 0) === 1 ? readString(scalars.get(3) ?? new Uint8Array()) : Number(scalars.get(2) ?? 0);
    }
    case '.k8s.io.apimachinery.pkg.api.resource.Quantity':
      collect();
      return readString(scalars.get(1) ?? new Uint8Array());
    case `${META}.Duration`:
      collect();
      return `${Number(scalars.get(1) ?? 0) / 1e9}s`;
    case '.k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}.FieldsV1`: {
      collect();
      const raw = scalars.get(1);
      if (!(raw instanceof Uint8Array) || raw.length === 0) return {};
      try {
        return JSON.parse(readString(raw)) as unknown;
      } catch {
        throw new WireError(`${name} does not hold JSON`);
      }
    }
  }
  const fields = fieldsOf(name);
  if (!fields) throw new WireError(`unknown message ${name}`);
  const obj: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const info: FieldInfo | undefined = fields.get(f.number);
    if (!info) continue;
    const [, field, type, label, typeName]: FieldInfo = info;
    if (type === T.message) {
      if (!(f.value instanceof Uint8Array)) throw new WireError(`${field}: expected a message`);
      const target = typeName!;
      if (table[target]?.map) {
        const entry = decodeMapEntry(target, f.value, depth);
        const map = (obj[field] ??= {}) as Record<string, unknown>;
        map[entry.key] = entry.value;
        continue;
      }
      const value = decodeMessage(target, f.value, false, depth + 1);
      if (label === REPEATED) ((obj[field] ??= []) as unknown[]).push(value);
      else if (value !== undefined) obj[field] = value;
      continue;
    }
    const values = f.wireType === 2 && type !== T.string && type !== T.bytes && f.value instanceof Uint8Array ? readPackedVarints(f.value) : [f.value];
    for (const raw of values) {
      const value = scalar(type, raw, keepBytes);
      if (label === REPEATED) ((obj[field] ??= []) as unknown[]).push(value);
      else if (!(value === '' || value === false || (value === 0 && !KEEP_ZERO.has(field)))) obj[field] = value;
    }
  }
  return obj;
}

function decodeMapEntry(name: string, buf: Uint8Array, depth: number): { key: string; value: unknown } {
  const fields = fieldsOf(name)!;
  let key = '';
  let value: unknown = '';
  for (const f of readFields(buf)) {
    const info = fields.get(f.number);
    if (!info) continue;
    const [, , type, , typeName] = info;
    const v = type === T.message ? decodeMessage(typeName!, f.value as Uint8Array, false, depth + 1) : scalar(type, f.value, false);
    if (f.number === 1) key = String(v);
    else value = v;
  }
  return { key, value };
}

function scalar(type: number, raw: number | Uint8Array, keepBytes: boolean): unknown {
  switch (type) {
    case T.string:
      return readString(raw);
    case T.bytes:
      if (!(raw instanceof Uint8Array)) throw new WireError('expected bytes');
      return keepBytes ? raw : Buffer.from(raw).toString('base64');
    case T.bool:
      return raw !== 0;
    default:
      if (typeof raw !== 'number') throw new WireError('expected a number');
      return raw;
  }
}

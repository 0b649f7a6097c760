/**
 * Encodes the Swagger 2.0 document as the gnostic `openapi.v2.Document` protobuf
 * (github.com/google/gnostic openapiv2/OpenAPIv2.proto). kubectl asks /openapi/v2 for
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and parses the body as that message — never as
 * JSON — whenever it builds a validator (`apply`, `create`, `replace` without --validate=false).
 * Vendor extensions travel as YAML text in `Any.yaml`; JSON is valid YAML, so they are written as JSON.
 */
import type { SchemaNode } from '../../api/schema/schema-node.js';
import type { OpenApiV2Document, V2Operation, V2Parameter, V2PathItem } from './v2.js';

/** Minimal protobuf writer: fields are appended in order; nested messages are encoded first. */
class Message {
  private readonly chunks: Buffer[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.chunks.push(Buffer.from(bytes));
  }

  private key(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    const bytes = Buffer.from(value, 'utf8');
    this.key(field, 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const value of values ?? []) {
      const bytes = Buffer.from(value, 'utf8');
      this.key(field, 2);
      this.varint(bytes.length);
      this.chunks.push(bytes);
    }
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (!value) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  message(field: number, message: Message | undefined): this {
    if (message === undefined) return this;
    const bytes = message.bytes();
    this.key(field, 2);
    this.varint(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  messages(field: number, messages: readonly Message[]): this {
    for (const m of messages) this.message(field, m);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** NamedAny{name=1, value=2 Any{yaml=2}} */
function namedAny(name: string, value: unknown): Message {
  return new Message().string(1, name).message(2, new Message().string(2, JSON.stringify(value)));
}

function vendorExtensions(node: object): Message[] {
  return Object.entries(node).filter(([key]) => key.startsWith('x-')).map(([key, value]) => namedAny(key, value));
}

/** Schema message (fields: _ref 1, format 2, description 4, required 19, enum 20, additional_properties 21,
 *  type 22, items 23, properties 25, vendor_extension 31). */
function schema(node: SchemaNode): Message {
  const m = new Message()
    .string(1, node.$ref)
    .string(2, node.format)
    .string(4, node.description)
    .strings(19, node.required);
  for (const value of node.enum ?? []) m.message(20, new Message().string(2, JSON.stringify(value)));
  if (node.additionalProperties !== undefined) {
    const item = typeof node.additionalProperties === 'boolean'
      ? new Message().bool(2, node.additionalProperties)
      : new Message().message(1, schema(node.additionalProperties));
    m.message(21, item);
  }
  if (node.type) m.message(22, new Message().strings(1, [node.type]));
  if (node.items) m.message(23, new Message().message(1, schema(node.items)));
  if (node.properties) {
    const named = Object.entries(node.properties).map(([name, value]) => new Message().string(1, name).message(2, schema(value)));
    m.message(25, new Message().messages(1, named));
  }
  return m.messages(31, vendorExtensions(node));
}

/** ParametersItem{parameter=1 Parameter{body_parameter=1 | non_body_parameter=2}}. */
function parameter(p: V2Parameter): Message {
  let param: Message;
  if (p.in === 'body') {
    const body = new Message().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required)
      .message(5, p.schema ? schema(p.schema) : undefined);
    param = new Message().message(1, body);
  } else if (p.in === 'path') {
    // PathParameterSubSchema: required 1, in 2, description 3, name 4, type 5, unique_items 19
    const sub = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name)
      .string(5, p.type).bool(19, p.uniqueItems);
    param = new Message().message(2, new Message().message(4, sub));
  } else {
    // QueryParameterSubSchema: required 1, in 2, description 3, name 4, type 6, unique_items 20
    const sub = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name)
      .string(6, p.type).bool(20, p.uniqueItems);
    param = new Message().message(2, new Message().message(3, sub));
  }
  return new Message().message(1, param);
}

/** Operation: tags 1, description 3, operation_id 5, produces 6, consumes 7, parameters 8, responses 9,
 *  schemes 10, vendor_extension 13. */
function operation(op: V2Operation): Message {
  const responses = Object.entries(op.responses).map(([code, response]) => {
    const r = new Message().string(1, response.description);
    if (response.schema) r.message(2, new Message().message(1, schema(response.schema)));
    return new Message().string(1, code).message(2, new Message().message(1, r));
  });
  return new Message()
    .strings(1, op.tags)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes)
    .messages(8, op.parameters.map(parameter))
    .message(9, new Message().messages(1, responses))
    .strings(10, op.schemes)
    .messages(13, vendorExtensions(op));
}

/** PathItem: get 2, put 3, post 4, delete 5, patch 8, parameters 9. */
function pathItem(item: V2PathItem): Message {
  const m = new Message();
  if (item.get) m.message(2, operation(item.get));
  if (item.put) m.message(3, operation(item.put));
  if (item.post) m.message(4, operation(item.post));
  if (item.delete) m.message(5, operation(item.delete));
  if (item.patch) m.message(8, operation(item.patch));
  return m.messages(9, item.parameters.map(parameter));
}

/** Document: swagger 1, info 2, paths 8, definitions 9, security 12, security_definitions 13. */
export function encodeOpenApiV2(doc: OpenApiV2Document): Buffer {
  const info = new Message().string(1, doc.info.title).string(2, doc.info.version);
  const paths = new Message().messages(2, Object.entries(doc.paths).map(([name, item]) => new Message().string(1, name).message(2, pathItem(item))));
  const definitions = new Message().messages(1, Object.entries(doc.definitions).map(([name, node]) => new Message().string(1, name).message(2, schema(node))));
  const security = doc.security.map((requirement) => new Message().messages(1, Object.entries(requirement).map(([name, scopes]) =>
    new Message().string(1, name).message(2, new Message().strings(1, scopes)))));
  const securityDefinitions = new Message().messages(1, Object.entries(doc.securityDefinitions).map(([name, d]) =>
    new Message().string(1, name).message(2, new Message().message(2,
      new Message().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description)))));
  return new Message()
    .string(1, doc.swagger)
    .message(2, info)
    .message(8, paths)
    .message(9, definitions)
    .messages(12, security)
    .message(13, securityDefinitions)
    .bytes();
}

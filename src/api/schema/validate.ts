/**
 * Request validation against the generated OpenAPI definitions, as the Kubernetes API server does it on
 * create/update/patch:
 * - a JSON value of the wrong type (a string where an int32 belongs, a malformed quantity or time) is a decode
 *   error: Kubernetes answers 400 BadRequest ("… cannot be handled as a Pod: json: cannot unmarshal …");
 * - fields the schema does not know are dropped (`pruned`), and reported for `fieldValidation` Strict (400
 *   "strict decoding error: unknown field …") or Warn (a `Warning` header per field);
 * - missing required fields are 422 Invalid causes (FieldValueRequired).
 * Each definition is compiled once into a tree of small checking functions; paths are built only on error.
 */
import type { StatusCause } from '../errors.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { definition, refName, resolve } from './index.js';
import type { SchemaNode } from './schema-node.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** A value that could not be decoded into the field's type (Kubernetes answers these with 400 BadRequest). */
export interface DecodeError {
  /** Path as Kubernetes prints it: `spec.template.spec.containers[0].image`. */
  field: string;
  /** Go-style decoder message, e.g. `json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string`. */
  message: string;
}

export interface ValidationResult {
  /** 422 Invalid causes (missing required fields). */
  causes: StatusCause[];
  /** 400 BadRequest problems (wrong JSON types, malformed quantities or times). */
  decodeErrors: DecodeError[];
  /** Paths of fields the schema does not know, e.g. `spec.replicass`; dropped from `pruned`. */
  unknownFields: string[];
  /** The object without unknown fields and without null-valued fields (as Kubernetes decodes it). Shares
   *  unchanged subtrees with the input; it is the input itself when nothing was dropped. */
  pruned: KubeObject;
}

export interface ValidateOptions {
  /** With 'Ignore', unknown fields are dropped without collecting their paths (`unknownFields` stays empty).
   *  Default 'Warn', as Kubernetes 1.27+. Turn the result into a response with `fieldValidationOutcome`. */
  fieldValidation?: FieldValidation;
  /** Also report missing required fields under top-level `status` (default false: spec writes must not fail
   *  on status the server rewrites anyway; status writers may turn it on). */
  requiredInStatus?: boolean;
}

/** A path as a linked list, turned into a string only when something is reported. */
interface Path {
  readonly parent: Path | undefined;
  readonly key: string | number;
}

function pathString(path: Path | undefined): string {
  const keys: Array<string | number> = [];
  for (let p = path; p; p = p.parent) keys.push(p.key);
  let out = '';
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i];
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/** Path without list indices, as Go's encoding/json names a struct field. */
function goFieldPath(path: Path | undefined): string {
  const keys: string[] = [];
  for (let p = path; p; p = p.parent) if (typeof p.key === 'string') keys.push(p.key);
  return keys.reverse().join('.');
}

interface Context {
  causes: StatusCause[];
  decodeErrors: DecodeError[];
  unknownFields: string[];
  inStatus: boolean;
  requiredInStatus: boolean;
  reportUnknown: boolean;
}

/** Checks one value; returns the (possibly pruned) value, or undefined to drop it. */
type Checker = (value: unknown, path: Path | undefined, ctx: Context) => unknown;

/** What Go would call the field's type, for decode messages. */
function goType(node: SchemaNode): string {
  if (node.$ref) {
    const name = refName(node.$ref);
    const target = definition(name);
    if (target && target.type !== 'object') return goType(target);
    const parts = name.split('.');
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  switch (node.type) {
    case 'integer': return node.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    case 'string': return node.format === 'byte' ? '[]uint8' : node.format === 'int-or-string' ? 'intstr.IntOrString' : 'string';
    case 'array': return `[]${node.items ? goType(node.items) : 'interface {}'}`;
    case 'object':
      return node.additionalProperties && typeof node.additionalProperties === 'object'
        ? `map[string]${goType(node.additionalProperties)}` : 'struct';
    default: return 'interface {}';
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : `number ${value}`;
  if (typeof value === 'boolean') return 'bool';
  return typeof value; // string, object
}

function typeMismatch(ctx: Context, path: Path | undefined, owner: string, expected: string, value: unknown): undefined {
  ctx.decodeErrors.push({
    field: pathString(path),
    message: `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${owner}.${goFieldPath(path)} of type ${expected}`,
  });
  return undefined;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|n|u)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const QUANTITY_DEFINITION = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const cache = new Map<string, Checker>();

/** The compiled checker for a definition (compiled on first use; recursion goes through the cache). */
function checkerFor(name: string): Checker {
  const cached = cache.get(name);
  if (cached) return cached;
  const node = definition(name);
  if (!node) throw new Error(`unknown schema definition ${name}`);
  let compiled: Checker | undefined;
  // Placeholder first, so recursive definitions resolve to the finished checker at call time.
  cache.set(name, (value, path, ctx) => (compiled ??= compile(node, ownerName(name)))(value, path, ctx));
  compiled = compile(node, ownerName(name));
  cache.set(name, compiled);
  return compiled;
}

function ownerName(definitionName: string): string {
  return definitionName.slice(definitionName.lastIndexOf('.') + 1);
}

function compile(node: SchemaNode, owner: string): Checker {
  if (node.$ref) {
    const name = refName(node.$ref);
    if (name === QUANTITY_DEFINITION) return compileQuantity(owner);
    const target = definition(name);
    // Leaf types (IntOrString, Time, RawExtension…) are checked in place so messages name the owning struct.
    if (target && (target.type !== 'object' || !target.properties)) return compile(target, owner);
    const expected = goType(node);
    return (value, path, ctx) => (isPlainObject(value)
      ? checkerFor(name)(value, path, ctx) : typeMismatch(ctx, path, owner, expected, value));
  }
  if (node['x-kubernetes-int-or-string'] || node.format === 'int-or-string') return compileIntOrString(owner);
  if (node['x-kubernetes-preserve-unknown-fields']) return (value) => value;
  switch (node.type) {
    case 'string': return compileString(node, owner);
    case 'integer': return compileInteger(node, owner);
    case 'number':
      return (value, path, ctx) => (typeof value === 'number' ? value : typeMismatch(ctx, path, owner, 'float64', value));
    case 'boolean':
      return (value, path, ctx) => (typeof value === 'boolean' ? value : typeMismatch(ctx, path, owner, 'bool', value));
    case 'array': return compileArray(node, owner);
    case 'object':
      if (node.properties) return compileStruct(node, owner);
      if (node.additionalProperties && typeof node.additionalProperties === 'object') return compileMap(node, owner);
      return (value, path, ctx) => (isPlainObject(value) ? value : typeMismatch(ctx, path, owner, goType(node), value));
    default:
      return (value) => value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileIntOrString(owner: string): Checker {
  return (value, path, ctx) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
    return typeMismatch(ctx, path, owner, 'intstr.IntOrString', value);
  };
}

function compileQuantity(owner: string): Checker {
  return (value, path, ctx) => {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && QUANTITY.test(value)) return value;
    if (typeof value === 'string') {
      ctx.decodeErrors.push({
        field: pathString(path),
        message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      });
      return undefined;
    }
    return typeMismatch(ctx, path, owner, 'resource.Quantity', value);
  };
}

function compileString(node: SchemaNode, owner: string): Checker {
  if (node.format === 'date-time') {
    return (value, path, ctx) => {
      if (typeof value === 'string' && RFC3339.test(value)) return value;
      if (typeof value === 'string') {
        ctx.decodeErrors.push({
          field: pathString(path),
          message: `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as RFC 3339`,
        });
        return undefined;
      }
      return typeMismatch(ctx, path, owner, 'v1.Time', value);
    };
  }
  if (node.format === 'byte') {
    return (value, path, ctx) => {
      if (typeof value === 'string' && BASE64.test(value)) return value;
      if (typeof value === 'string') {
        ctx.decodeErrors.push({ field: pathString(path), message: 'illegal base64 data' });
        return undefined;
      }
      return typeMismatch(ctx, path, owner, '[]uint8', value);
    };
  }
  return (value, path, ctx) => (typeof value === 'string' ? value : typeMismatch(ctx, path, owner, 'string', value));
}

function compileInteger(node: SchemaNode, owner: string): Checker {
  const int64 = node.format === 'int64';
  const type = int64 ? 'int64' : 'int32';
  return (value, path, ctx) => {
    if (typeof value === 'number' && Number.isInteger(value)) {
      if (int64 ? Number.isSafeInteger(value) : value >= INT32_MIN && value <= INT32_MAX) return value;
    }
    return typeMismatch(ctx, path, owner, type, value);
  };
}

function compileArray(node: SchemaNode, owner: string): Checker {
  const item = node.items ? compile(node.items, owner) : (value: unknown) => value;
  const expected = goType(node);
  return (value, path, ctx) => {
    if (!Array.isArray(value)) return typeMismatch(ctx, path, owner, expected, value);
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      // null list elements decode to the zero value; keep them for the semantic validation to judge.
      const checked = element === null ? element : item(element, { parent: path, key: i }, ctx);
      if (checked !== element) (out ??= value.slice())[i] = checked === undefined ? null : checked;
    }
    return out ?? value;
  };
}

function compileMap(node: SchemaNode, owner: string): Checker {
  const valueNode = node.additionalProperties as SchemaNode;
  const check = compile(valueNode, owner);
  const expected = goType(node);
  return (value, path, ctx) => {
    if (!isPlainObject(value)) return typeMismatch(ctx, path, owner, expected, value);
    let out: Record<string, unknown> | undefined;
    for (const key in value) {
      const entry = value[key];
      if (entry === null) continue;
      const checked = check(entry, { parent: path, key }, ctx);
      if (checked !== entry) {
        out ??= { ...value };
        if (checked === undefined) delete out[key];
        else out[key] = checked;
      }
    }
    return out ?? value;
  };
}

function compileStruct(node: SchemaNode, owner: string): Checker {
  const properties = new Map<string, Checker>();
  // Struct fields are compiled lazily: the first object checked pays, definitions never used cost nothing.
  let compiled = false;
  const ensure = () => {
    if (compiled) return;
    for (const [name, property] of Object.entries(node.properties ?? {})) properties.set(name, compile(property, owner));
    compiled = true;
  };
  const required = node.required ?? [];
  return (value, path, ctx) => {
    if (!isPlainObject(value)) return typeMismatch(ctx, path, owner, goType(node), value);
    ensure();
    let out: Record<string, unknown> | undefined;
    for (const key in value) {
      const entry = value[key];
      const check = properties.get(key);
      if (check === undefined || entry === null) {
        if (check === undefined && ctx.reportUnknown) ctx.unknownFields.push(pathString({ parent: path, key }));
        (out ??= { ...value });
        delete out[key];
        continue;
      }
      const enteringStatus = path === undefined && key === 'status';
      if (enteringStatus) ctx.inStatus = true;
      const checked = check(entry, { parent: path, key }, ctx);
      if (enteringStatus) ctx.inStatus = false;
      if (checked !== entry) {
        out ??= { ...value };
        if (checked === undefined) delete out[key];
        else out[key] = checked;
      }
    }
    if (required.length > 0 && (!ctx.inStatus || ctx.requiredInStatus)) {
      for (const name of required) {
        if (value[name] === undefined || value[name] === null) {
          ctx.causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: pathString({ parent: path, key: name }) });
        }
      }
    }
    return out ?? value;
  };
}

/** Validates `obj` against the named definition (e.g. 'io.k8s.api.apps.v1.Deployment'). */
export function validateObject(definitionName: string, obj: unknown, options: ValidateOptions = {}): ValidationResult {
  const ctx: Context = {
    causes: [], decodeErrors: [], unknownFields: [], inStatus: false,
    requiredInStatus: options.requiredInStatus ?? false, reportUnknown: options.fieldValidation !== 'Ignore',
  };
  const checker = checkerFor(definitionName);
  const result = checker(obj, undefined, ctx);
  const pruned = (isPlainObject(result) ? result : {}) as KubeObject;
  if (!isPlainObject(obj) && ctx.decodeErrors.length === 0) {
    ctx.decodeErrors.push({ field: '', message: `json: cannot unmarshal ${jsonKind(obj)} into Go value of type ${ownerName(definitionName)}` });
  }
  return { causes: ctx.causes, decodeErrors: ctx.decodeErrors, unknownFields: ctx.unknownFields, pruned };
}

/**
 * What the API server does with decode problems and unknown fields for a `fieldValidation` directive
 * (default Warn, as in Kubernetes 1.27+): `error` is the 400 to answer (decode errors always; unknown fields
 * only for Strict); `warnings` are the texts for `Warning: 299 - "…"` headers (Warn only).
 * `kind` and `version` name the kind in the message: `Deployment in version "v1" cannot be handled as a Deployment: …`.
 */
export function fieldValidationOutcome(
  result: Pick<ValidationResult, 'decodeErrors' | 'unknownFields'>,
  kind: string,
  version: string,
  fieldValidation: FieldValidation = 'Warn',
): { error?: ApiError; warnings: string[] } {
  const prefix = `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}`;
  if (result.decodeErrors.length > 0) {
    return { error: new ApiError(400, 'BadRequest', `${prefix}: ${result.decodeErrors[0].message}`), warnings: [] };
  }
  const unknown = result.unknownFields.map((field) => `unknown field ${JSON.stringify(field)}`);
  if (unknown.length === 0 || fieldValidation === 'Ignore') return { warnings: [] };
  if (fieldValidation === 'Strict') {
    return { error: new ApiError(400, 'BadRequest', `${prefix}: strict decoding error: ${unknown.join(', ')}`), warnings: [] };
  }
  return { warnings: unknown };
}

/** Parses the `fieldValidation` query parameter; undefined for a value Kubernetes would reject. */
export function parseFieldValidation(value: string | undefined): FieldValidation | undefined {
  if (value === undefined || value === '') return 'Warn';
  return value === 'Strict' || value === 'Warn' || value === 'Ignore' ? value : undefined;
}

/** Exposed for tests and callers that validate a sub-schema (e.g. a pod template inside another kind). */
export function validateAgainst(node: SchemaNode, value: unknown): ValidationResult {
  const ctx: Context = {
    causes: [], decodeErrors: [], unknownFields: [], inStatus: false, requiredInStatus: true, reportUnknown: true,
  };
  const result = compile(resolve(node), 'value')(value, undefined, ctx);
  return { causes: ctx.causes, decodeErrors: ctx.decodeErrors, unknownFields: ctx.unknownFields, pruned: result as KubeObject };
}

/**
 * The API server's schema step in one call: validates `obj` against the kind's definition, throws the 400
 * (`ApiError`) for decode errors or Strict unknown fields, and returns the pruned object, the Warning texts and
 * the 422 causes (the caller adds the kind's semantic causes and answers `errors.invalid(...)` if any).
 */
export function checkAgainstSchema(
  kind: { definition: string; kind: string; version: string },
  obj: unknown,
  fieldValidation: FieldValidation = 'Warn',
  options: Omit<ValidateOptions, 'fieldValidation'> = {},
): { object: KubeObject; warnings: string[]; causes: StatusCause[] } {
  const result = validateObject(kind.definition, obj, { ...options, fieldValidation });
  const outcome = fieldValidationOutcome(result, kind.kind, kind.version, fieldValidation);
  if (outcome.error) throw outcome.error;
  return { object: result.pruned, warnings: outcome.warnings, causes: result.causes };
}

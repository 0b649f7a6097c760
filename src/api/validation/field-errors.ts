/**
 * Status causes shaped like Kubernetes' field.Error: the cause message is the error body without the field
 * ("Required value", `Invalid value: "x": detail`, `Unsupported value: "x": supported values: "a", "b"` …).
 */
import type { StatusCause } from '../errors.js';

/** Go's %v/%q rendering, close enough: strings quoted, numbers and booleans bare, the rest as JSON. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return 'null';
  return JSON.stringify(value);
}

function withDetail(body: string, detail?: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export const fieldErrors = {
  required: (field: string, detail?: string): StatusCause =>
    ({ reason: 'FieldValueRequired', field, message: withDetail('Required value', detail) }),
  invalid: (field: string, value: unknown, detail?: string): StatusCause =>
    ({ reason: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${show(value)}`, detail) }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): StatusCause =>
    ({
      reason: 'FieldValueNotSupported', field,
      message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    }),
  duplicate: (field: string, value: unknown): StatusCause =>
    ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${show(value)}` }),
  forbidden: (field: string, detail: string): StatusCause =>
    ({ reason: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) }),
  tooLong: (field: string, maxLength: number): StatusCause =>
    ({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxLength} bytes` }),
  immutable: (field: string, value: unknown): StatusCause =>
    ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(value)}: field is immutable` }),
};

/** Turn the messages of a string validator (like isDns1123Label) into Invalid causes for one field. */
export function invalidEach(field: string, value: unknown, messages: string[]): StatusCause[] {
  return messages.map((m) => fieldErrors.invalid(field, value, m));
}

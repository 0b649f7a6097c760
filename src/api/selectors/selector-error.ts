import { ApiError } from '../errors.js';

/**
 * A label or field selector that cannot be parsed or is invalid. It is an ApiError (400 BadRequest), so the API
 * server can answer it as it is; `selector` is the text the user sent.
 */
export class SelectorError extends ApiError {
  constructor(
    readonly selectorKind: 'label' | 'field',
    readonly selector: string,
    message: string,
  ) {
    super(400, 'BadRequest', message);
    this.name = 'SelectorError';
  }
}

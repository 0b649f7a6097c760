import { ApiError } from '../../api/errors.js';

/**
 * A patch that cannot be applied. It is an ApiError, so the API server can answer it as it is:
 * - `malformed` (400 BadRequest): the patch document itself is wrong (not JSON Patch ops, bad directive syntax);
 * - `unprocessable` (422 Invalid): the patch is well formed but does not apply to this object (a failed `test`,
 *   a path that does not exist, content that contradicts `$retainKeys`), as kube-apiserver answers.
 */
export class PatchError extends ApiError {
  constructor(
    readonly problem: 'malformed' | 'unprocessable',
    message: string,
  ) {
    super(problem === 'malformed' ? 400 : 422, problem === 'malformed' ? 'BadRequest' : 'Invalid', message);
    this.name = 'PatchError';
  }

  static malformed(message: string): PatchError {
    return new PatchError('malformed', message);
  }

  static unprocessable(message: string): PatchError {
    return new PatchError('unprocessable', message);
  }
}

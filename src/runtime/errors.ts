// Typed failures of the container runtime; `code` is what callers branch on.
export type RuntimeErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidId'
  | 'NotRunning'
  | 'CreateFailed'
  | 'RuncFailed'
  | 'Timeout';

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

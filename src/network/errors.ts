// Typed failures of pod networking.
export type NetworkErrorCode = 'CniFailed' | 'CommandFailed' | 'InvalidConfig' | 'NotFound';

export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly code: NetworkErrorCode,
    message: string,
    /** CNI error code (https://www.cni.dev/docs/spec/#error) when the failure came from a plugin. */
    readonly cniCode?: number,
  ) {
    super(message);
  }
}

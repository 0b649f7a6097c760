/** Registry credentials as a caller supplies them (directly, or looked up per registry, e.g. from imagePullSecrets). */

export type Credentials =
  | { username: string; password: string }
  /** An OAuth2 refresh token (`identitytoken` in a docker config). */
  | { identityToken: string; username?: string }
  /** A bearer token sent to the registry as is (`registrytoken` in a docker config). */
  | { registryToken: string };

export interface CredentialLookup {
  credentialsFor(registry: string, repository: string): Credentials | undefined;
}

export type RegistryAuth = Credentials | CredentialLookup;

export function isCredentialLookup(auth: RegistryAuth): auth is CredentialLookup {
  return typeof (auth as CredentialLookup).credentialsFor === 'function';
}

export function credentialsFor(auth: RegistryAuth | undefined, registry: string, repository: string): Credentials | undefined {
  if (!auth) return undefined;
  return isCredentialLookup(auth) ? auth.credentialsFor(registry, repository) : auth;
}

/** Bearer-token authentication. Health and version endpoints stay public, like Kubernetes' system:public-info-viewer. */

export interface UserInfo {
  username: string;
  groups: string[];
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function isPublicPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  return PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/');
}

export function authenticate(header: string | undefined, tokens: ReadonlyMap<string, UserInfo>): UserInfo | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  return tokens.get(m[1]!);
}

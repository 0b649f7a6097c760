/** Parses a REST path under /api or /apis into the resource it addresses (like apiserver's RequestInfoFactory). */

export interface RequestInfo {
  group: string;
  version: string;
  /** Undefined for /api/v1 or /apis/G/V themselves (discovery). */
  plural?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Subresources of a namespace object: /api/v1/namespaces/NAME/status is not a collection named "status". */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Returns undefined for paths that are not a resource path (the caller answers 404). */
export function parseResourcePath(pathname: string): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(safeDecode);
  if (parts.some((p) => p === undefined)) return undefined;
  const segs = parts as string[];
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length < 2) return undefined;
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length < 3) return undefined;
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  const info: RequestInfo = { group, version };
  if (rest.length === 0) return info;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]!))) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  info.plural = rest[0];
  if (rest.length >= 2) info.name = rest[1];
  if (rest.length === 3) info.subresource = rest[2];
  return info;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

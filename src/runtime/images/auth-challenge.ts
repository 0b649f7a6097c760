/** `WWW-Authenticate` challenges from a registry: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */

export interface AuthChallenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parse the first Bearer or Basic challenge; other schemes are skipped. */
export function parseAuthChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const token = /([A-Za-z][\w.-]*)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?/g;
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  let m: RegExpExecArray | null;
  while ((m = token.exec(header)) !== null) {
    const [, name, rawValue] = m;
    if (name === undefined) continue;
    if (rawValue === undefined) {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
    } else {
      const last = challenges[challenges.length - 1];
      if (!last) continue;
      last.params[name.toLowerCase()] = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, '$1') : rawValue;
    }
  }
  const found = challenges.find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
  return found ? { scheme: found.scheme as 'bearer' | 'basic', params: found.params } : undefined;
}

/** The scope a pull needs: `repository:NAME:pull`. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/**
 * Discovery documents: /api (APIVersions), /apis (APIGroupList), /api/v1 and /apis/G/V (APIResourceList), and
 * aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for /api and /apis. Built from the kinds
 * the server actually serves; a subresource is listed only when a handler for it exists.
 */
import type { ResourceKind, Subresource } from '../api/types.js';

export interface SubresourceEntry {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** The subresources this server serves for a kind, in discovery order. */
export function servedSubresources(kind: ResourceKind, connectSubresources: readonly Subresource[]): SubresourceEntry[] {
  const out: SubresourceEntry[] = [];
  const has = (s: Subresource): boolean => kind.subresources.includes(s);
  const isPod = kind.group === '' && kind.kind === 'Pod';
  if (isPod && has('binding')) out.push({ name: 'binding', kind: 'Binding', verbs: ['create'] });
  if (isPod && has('eviction')) out.push({ name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  if (kind.group === '' && kind.kind === 'Namespace') out.push({ name: 'finalize', kind: 'Namespace', verbs: ['update'] });
  if (isPod) {
    const connectKinds: Partial<Record<Subresource, SubresourceEntry>> = {
      attach: { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      exec: { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      log: { name: 'log', kind: 'Pod', verbs: ['get'] },
      portforward: { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      proxy: { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    };
    for (const s of connectSubresources) {
      const entry = connectKinds[s];
      if (entry && has(s)) out.push(entry);
    }
  }
  if (has('scale')) out.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  if (kind.hasStatusSubresource || has('status')) out.push({ name: 'status', kind: kind.kind, verbs: ['get', 'patch', 'update'] });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface GroupVersion {
  group: string;
  version: string;
  kinds: ResourceKind[];
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes' version priority (newest first): GA before beta before alpha, higher numbers first; other names
 * last, alphabetically. The first version of a group is its preferred version.
 */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a.localeCompare(b);
  const stage = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  return stage(mb) - stage(ma) || Number(mb[1]) - Number(ma[1]) || Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** Group versions in a stable order: core first, then groups by name, each group's versions by priority. */
export function groupVersions(kinds: readonly ResourceKind[]): GroupVersion[] {
  const map = new Map<string, GroupVersion>();
  for (const k of kinds) {
    const id = `${k.group}/${k.version}`;
    let gv = map.get(id);
    if (!gv) map.set(id, (gv = { group: k.group, version: k.version, kinds: [] }));
    gv.kinds.push(k);
  }
  return [...map.values()].sort((a, b) => (a.group === b.group ? compareVersionPriority(a.version, b.version) : a.group.localeCompare(b.group)));
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(gvs: GroupVersion[]): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const gv of gvs) {
    if (gv.group === '') continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiResourceList(gv: GroupVersion, connect: readonly Subresource[]): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const k of [...gv.kinds].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const main: Record<string, unknown> = { name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs };
    if (k.shortNames.length > 0) main['shortNames'] = k.shortNames;
    if (k.categories.length > 0) main['categories'] = k.categories;
    resources.push(main);
    for (const s of servedSubresources(k, connect)) {
      const entry: Record<string, unknown> = { name: `${k.plural}/${s.name}`, singularName: '', namespaced: k.namespaced };
      if (s.group !== undefined) entry['group'] = s.group;
      if (s.version !== undefined) entry['version'] = s.version;
      entry['kind'] = s.kind;
      entry['verbs'] = s.verbs;
      resources.push(entry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version, resources };
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(gvs: GroupVersion[], core: boolean, connect: readonly Subresource[]): Record<string, unknown> {
  const groups = new Map<string, GroupVersion[]>();
  for (const gv of gvs) {
    if ((gv.group === '') !== core) continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv]);
  }
  const items = [...groups].map(([group, versions]) => ({
    metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
    versions: versions.map((gv) => ({
      version: gv.version,
      resources: [...gv.kinds].sort((a, b) => a.plural.localeCompare(b.plural)).map((k) => {
        const entry: Record<string, unknown> = {
          resource: k.plural,
          responseKind: { group: k.group, version: k.version, kind: k.kind },
          scope: k.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: k.singular,
          verbs: k.verbs,
        };
        if (k.shortNames.length > 0) entry['shortNames'] = k.shortNames;
        if (k.categories.length > 0) entry['categories'] = k.categories;
        const subs = servedSubresources(k, connect);
        if (subs.length > 0) {
          entry['subresources'] = subs.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? k.group, version: s.version ?? k.version, kind: s.kind },
            verbs: s.verbs,
          }));
        }
        return entry;
      }),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

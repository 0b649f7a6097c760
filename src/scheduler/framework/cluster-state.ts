import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './node-info.js';
import { newPodInfo, type AffinityTerm, type PodInfo } from './pod-info.js';
import { compileLabelSelector } from './label-match.js';

/** Pods matching one (namespaces, selector) pair, counted per node; maintained as pods come and go. */
interface MatchCounter {
  matches(pod: PodInfo): boolean;
  perNode: Map<string, number>;
}

/** A resolved affinity term: the namespaces it covers (undefined = all). */
export interface ResolvedTerm {
  term: AffinityTerm;
  namespaces: Set<string> | undefined;
  key: string;
}

/**
 * The scheduler's view of the cluster: nodes with their bound and assumed pods, plus indexes that keep
 * affinity and spread checks cheap on thousands of nodes (counts of matching pods per node, kept current).
 */
export class ClusterState {
  readonly nodes = new Map<string, NodeInfo>();
  nodeList: NodeInfo[] = [];
  readonly pods = new Map<string, PodInfo>();
  readonly namespaceLabels = new Map<string, Record<string, string>>();
  /** Pods nominated to a node by preemption, not yet bound: node name → pods. */
  readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly counters = new Map<string, MatchCounter>();
  /** Bound pods' required anti-affinity terms grouped by (namespaces, selector, topologyKey), counted per node. */
  readonly antiAffinityGroups = new Map<string, { resolved: ResolvedTerm; topologyKey: string; perNode: Map<string, number> }>();
  private readonly antiKeysByPod = new Map<string, string[]>();
  private readonly domainCache = new Map<string, Set<string>>();
  private readonly nodeMemo = new Map<string, unknown>();
  generation = 0;
  nextStartIndex = 0;

  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const existing = this.nodes.get(name);
    if (existing) existing.setNode(node);
    else {
      const info = new NodeInfo(node);
      this.nodes.set(name, info);
      this.nodeList.push(info);
      for (const pod of this.pods.values()) if (pod.nodeName === name) info.addPod(pod);
    }
    this.nodesChanged();
  }

  removeNode(name: string): void {
    if (!this.nodes.delete(name)) return;
    this.nodeList = this.nodeList.filter((n) => n.name !== name);
    this.nodesChanged();
  }

  private nodesChanged(): void {
    this.generation++;
    this.domainCache.clear();
    this.nodeMemo.clear();
  }

  /** A value derived from the nodes alone, computed once until a node is added, changed or removed. */
  memoOverNodes<T>(key: string, compute: () => T): T {
    if (!this.nodeMemo.has(key)) this.nodeMemo.set(key, compute());
    return this.nodeMemo.get(key) as T;
  }

  setNamespace(name: string, labels: Record<string, string> | undefined): void {
    this.namespaceLabels.set(name, labels ?? {});
  }

  /** Adds or updates a pod that is bound (or assumed) to a node. Unbound pods are ignored. */
  setPod(pod: Pod | PodInfo): PodInfo | undefined {
    const info = 'key' in pod && 'requests' in pod ? pod : newPodInfo(pod as Pod);
    this.removePod(info.key);
    if (!info.nodeName) return undefined;
    this.pods.set(info.key, info);
    this.nodes.get(info.nodeName)?.addPod(info);
    if (info.requiredAntiAffinity.length > 0) this.indexAntiAffinity(info);
    for (const counter of this.counters.values()) {
      if (counter.matches(info)) counter.perNode.set(info.nodeName, (counter.perNode.get(info.nodeName) ?? 0) + 1);
    }
    return info;
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (!info) return undefined;
    this.pods.delete(key);
    if (info.nodeName) this.nodes.get(info.nodeName)?.removePod(key);
    this.unindexAntiAffinity(info);
    for (const counter of this.counters.values()) {
      if (info.nodeName && counter.matches(info)) {
        const n = (counter.perNode.get(info.nodeName) ?? 1) - 1;
        if (n <= 0) counter.perNode.delete(info.nodeName);
        else counter.perNode.set(info.nodeName, n);
      }
    }
    return info;
  }

  private indexAntiAffinity(pod: PodInfo): void {
    const keys: string[] = [];
    for (const term of pod.requiredAntiAffinity) {
      const resolved = this.resolveTerm(term, pod.namespace);
      const key = `${resolved.key}|${term.topologyKey}`;
      let group = this.antiAffinityGroups.get(key);
      if (!group) this.antiAffinityGroups.set(key, (group = { resolved, topologyKey: term.topologyKey, perNode: new Map() }));
      group.perNode.set(pod.nodeName!, (group.perNode.get(pod.nodeName!) ?? 0) + 1);
      keys.push(key);
    }
    this.antiKeysByPod.set(pod.key, keys);
  }

  private unindexAntiAffinity(pod: PodInfo): void {
    for (const key of this.antiKeysByPod.get(pod.key) ?? []) {
      const group = this.antiAffinityGroups.get(key);
      if (!group || !pod.nodeName) continue;
      const n = (group.perNode.get(pod.nodeName) ?? 1) - 1;
      if (n <= 0) group.perNode.delete(pod.nodeName);
      else group.perNode.set(pod.nodeName, n);
      if (group.perNode.size === 0) this.antiAffinityGroups.delete(key);
    }
    this.antiKeysByPod.delete(pod.key);
  }

  setNominated(pod: PodInfo, nodeName: string | undefined): void {
    for (const [node, pods] of this.nominated) {
      pods.delete(pod.key);
      if (pods.size === 0) this.nominated.delete(node);
    }
    if (!nodeName) return;
    let pods = this.nominated.get(nodeName);
    if (!pods) this.nominated.set(nodeName, (pods = new Map()));
    pods.set(pod.key, pod);
  }

  /** The namespaces an affinity term of `owner` covers; undefined means every namespace. */
  resolveTerm(term: AffinityTerm, ownerNamespace: string): ResolvedTerm {
    let namespaces: Set<string> | undefined;
    if (term.namespaceSelector) {
      const selector = term.namespaceSelector;
      const everything = !selector.matchLabels && !selector.matchExpressions?.length;
      if (everything) namespaces = undefined;
      else {
        const matcher = compileLabelSelector(selector);
        namespaces = new Set(term.namespaces);
        for (const [ns, labels] of this.namespaceLabels) if (matcher(labels)) namespaces.add(ns);
      }
    } else {
      namespaces = new Set(term.namespaces.length > 0 ? term.namespaces : [ownerNamespace]);
    }
    const nsKey = namespaces ? [...namespaces].sort().join(',') : '*';
    return { term, namespaces, key: `${nsKey}|${term.selectorKey}` };
  }

  termMatches(resolved: ResolvedTerm, pod: PodInfo): boolean {
    return (!resolved.namespaces || resolved.namespaces.has(pod.namespace)) && resolved.term.selector(pod.labels);
  }

  /** Per node, how many bound pods the term's selector and namespaces match (terminating pods excluded). */
  matchingPodsPerNode(resolved: ResolvedTerm): Map<string, number> {
    let counter = this.counters.get(resolved.key);
    if (!counter) {
      const matches = (pod: PodInfo) => !pod.terminating && this.termMatches(resolved, pod);
      counter = { matches, perNode: new Map() };
      for (const pod of this.pods.values()) {
        if (pod.nodeName && matches(pod)) counter.perNode.set(pod.nodeName, (counter.perNode.get(pod.nodeName) ?? 0) + 1);
      }
      this.counters.set(resolved.key, counter);
    }
    return counter.perNode;
  }

  /** Matching pods per topology domain (value of `topologyKey` on their node). */
  matchingPodsPerDomain(resolved: ResolvedTerm, topologyKey: string, nodeFilter?: (node: NodeInfo) => boolean): Map<string, number> {
    const perDomain = new Map<string, number>();
    for (const [nodeName, count] of this.matchingPodsPerNode(resolved)) {
      const node = this.nodes.get(nodeName);
      if (!node) continue;
      const domain = node.labels[topologyKey];
      if (domain === undefined || (nodeFilter && !nodeFilter(node))) continue;
      perDomain.set(domain, (perDomain.get(domain) ?? 0) + count);
    }
    return perDomain;
  }

  /** Every value of `topologyKey` across nodes (cached until nodes change). */
  domainsOf(topologyKey: string): Set<string> {
    let domains = this.domainCache.get(topologyKey);
    if (!domains) {
      domains = new Set();
      for (const node of this.nodeList) {
        const value = node.labels[topologyKey];
        if (value !== undefined) domains.add(value);
      }
      this.domainCache.set(topologyKey, domains);
    }
    return domains;
  }
}

import type { WeightedPlugin } from './plugin.js';
import { nodeUnschedulable } from '../plugins/node-unschedulable.js';
import { nodeName } from '../plugins/node-name.js';
import { taintToleration } from '../plugins/taint-toleration.js';
import { nodeAffinity } from '../plugins/node-affinity.js';
import { nodePorts } from '../plugins/node-ports.js';
import { balancedAllocation, nodeResourcesFit, type ScoringStrategy } from '../plugins/node-resources-fit.js';
import { podTopologySpread } from '../plugins/pod-topology-spread.js';
import { interPodAffinity } from '../plugins/inter-pod-affinity.js';
import { imageLocality } from '../plugins/image-locality.js';

export interface Profile {
  name: string;
  /** In kube-scheduler's order: a node's reported reason is the first filter that fails. */
  plugins: WeightedPlugin[];
  /** Percentage of nodes to find feasible before scoring; 0 = kube-scheduler's adaptive default. */
  percentageOfNodesToScore: number;
}

/** `default-scheduler` (LeastAllocated) or the bin-packing `most-allocated` profile. */
export function makeProfile(strategy: ScoringStrategy = 'LeastAllocated', percentageOfNodesToScore = 0): Profile {
  return {
    name: strategy === 'MostAllocated' ? 'most-allocated' : 'default-scheduler',
    percentageOfNodesToScore,
    plugins: [
      { plugin: nodeUnschedulable, weight: 0 },
      { plugin: nodeName, weight: 0 },
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: nodePorts, weight: 0 },
      { plugin: nodeResourcesFit(strategy), weight: 1 },
      { plugin: podTopologySpread, weight: 2 },
      { plugin: interPodAffinity, weight: 2 },
      { plugin: balancedAllocation, weight: strategy === 'MostAllocated' ? 0 : 1 },
      { plugin: imageLocality, weight: 1 },
    ],
  };
}

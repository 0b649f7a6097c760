/** core/v1 Node. */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { tryParseQuantity } from '../quantity.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';
import { isValidCidr } from '../validation/ip.js';
import { defineKind, type Writable } from './define.js';

const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function defaultNode(node: Node): void {
  node.spec ??= {};
  const status = ((node as Writable<Node>).status ??= {});
  // SetDefaults_NodeStatus: without allocatable, everything the node has can be allocated.
  if (status.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

export function validateNode(node: Node): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = node.spec ?? {};
  const seen = new Set<string>();
  (spec.taints ?? []).forEach((t, i) => {
    const path = `spec.taints[${i}]`;
    causes.push(...invalidEach(`${path}.key`, t.key, isQualifiedName(t.key ?? '')));
    if (t.value) causes.push(...invalidEach(`${path}.value`, t.value, isValidLabelValue(t.value)));
    if (!t.effect) causes.push(fieldErrors.required(`${path}.effect`));
    else if (!taintEffects.includes(t.effect)) causes.push(fieldErrors.notSupported(`${path}.effect`, t.effect, taintEffects));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) causes.push(fieldErrors.duplicate(path, t));
    seen.add(key);
  });
  if (spec.podCIDR) causes.push(...invalidEach('spec.podCIDR', spec.podCIDR, isValidCidr(spec.podCIDR)));
  (spec.podCIDRs ?? []).forEach((cidr, i) => causes.push(...invalidEach(`spec.podCIDRs[${i}]`, cidr, isValidCidr(cidr))));
  for (const list of ['capacity', 'allocatable'] as const) {
    for (const [name, raw] of Object.entries(node.status?.[list] ?? {})) {
      const q = tryParseQuantity(raw);
      if (!q || q.nano < 0n) causes.push(fieldErrors.invalid(`status.${list}[${name}]`, raw, 'must be a valid, non-negative quantity'));
    }
  }
  return causes;
}

/** Roles from node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

export function nodeStatusText(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodeKind = defineKind<Node>({
  group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false,
  definition: 'io.k8s.api.core.v1.Node',
  shortNames: ['no'],
  subresources: ['status'],
  defaults: defaultNode,
  validate: validateNode,
  columns: [
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells(node, now) {
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(node).join(',');
    return [
      nodeStatusText(node), roles || '<none>', age(node.metadata?.creationTimestamp, now), info?.kubeletVersion ?? '',
      address(node, 'InternalIP'), address(node, 'ExternalIP'),
      info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>',
    ];
  },
  fieldSelectors: { 'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false) },
});

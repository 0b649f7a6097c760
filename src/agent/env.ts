// A container's environment as kubelet builds it: image env, then envFrom, then env (later wins), with
// valueFrom (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef) and $(VAR) expansion.
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../api/quantity.js';
import { ContainerConfigError, secretValue, type ObjectSource } from './object-source.js';

export interface FieldContext {
  podIP?: string;
  hostIP?: string;
  nodeName: string;
  /** Node allocatable, for resourceFieldRef on containers without limits. */
  nodeCpuMilli: number;
  nodeMemoryBytes: number;
}

/** Expands $(NAME) from `vars`; $$(NAME) is an escaped literal $(NAME); unknown names stay as written. */
export function expandVars(input: string, vars: ReadonlyMap<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return vars.get(name!) ?? match;
  });
}

export function fieldRefValue(pod: Pod, path: string, ctx: FieldContext): string {
  const meta = pod.metadata ?? {};
  const labelMatch = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (labelMatch) return (labelMatch[1] === 'labels' ? meta.labels : meta.annotations)?.[labelMatch[2]!] ?? '';
  switch (path) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return ctx.podIP ?? '';
    case 'status.podIPs': return ctx.podIP ?? '';
    case 'status.hostIP': return ctx.hostIP ?? '';
    case 'status.hostIPs': return ctx.hostIP ?? '';
    default: throw new ContainerConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}

export function resourceFieldValue(container: Container, resource: string, divisor: string | undefined, ctx: FieldContext): string {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const div = divisor ? parseQuantity(divisor) : undefined;
  const isCpu = resource.endsWith('cpu');
  let raw: number; // millicores for cpu, bytes otherwise
  switch (resource) {
    case 'limits.cpu': raw = limits.cpu ? parseQuantity(limits.cpu).milliValue() : ctx.nodeCpuMilli; break;
    case 'requests.cpu': raw = requests.cpu ? parseQuantity(requests.cpu).milliValue() : 0; break;
    case 'limits.memory': raw = limits.memory ? parseQuantity(limits.memory).value() : ctx.nodeMemoryBytes; break;
    case 'requests.memory': raw = requests.memory ? parseQuantity(requests.memory).value() : 0; break;
    case 'limits.ephemeral-storage': raw = limits['ephemeral-storage'] ? parseQuantity(limits['ephemeral-storage']).value() : 0; break;
    case 'requests.ephemeral-storage': raw = requests['ephemeral-storage'] ? parseQuantity(requests['ephemeral-storage']).value() : 0; break;
    default: throw new ContainerConfigError(`unsupported resourceFieldRef resource "${resource}"`);
  }
  // Kubernetes rounds up: cpu in whole divisors (default 1 core), memory in divisors (default 1 byte).
  if (isCpu) {
    const divMilli = div ? div.milliValue() : 1000;
    return String(Math.max(raw > 0 ? 1 : 0, Math.ceil(raw / divMilli)));
  }
  const divBytes = div ? div.value() : 1;
  return String(Math.ceil(raw / divBytes));
}

async function envVarValue(pod: Pod, container: Container, v: EnvVar, vars: Map<string, string>, objects: ObjectSource, ctx: FieldContext): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!v.valueFrom) return expandVars(v.value ?? '', vars);
  const from = v.valueFrom;
  if (from.fieldRef) return fieldRefValue(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) {
    const target = from.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === from.resourceFieldRef!.containerName) ?? container
      : container;
    return resourceFieldValue(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, ctx);
  }
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const cm = await objects.configMap(ns, ref.name ?? '');
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const value = cm.data?.[ref.key];
    if (value === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return value;
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const secret = await objects.secret(ns, ref.name ?? '');
    if (!secret) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const value = secretValue(secret, ref.key);
    if (value === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return value;
  }
  return '';
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * The container's environment as ordered NAME=value entries. Image env first (the container's own entries
 * override it), then envFrom sources in order, then env.
 */
export async function resolveEnv(pod: Pod, container: Container, imageEnv: string[], objects: ObjectSource, ctx: FieldContext): Promise<string[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await objects.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) vars.set(prefix + k, v);
    } else if (from.secretRef) {
      const secret = await objects.secret(ns, from.secretRef.name ?? '');
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of Object.keys({ ...secret.data, ...secret.stringData })) {
        if (ENV_NAME.test(prefix + k)) vars.set(prefix + k, secretValue(secret, k) ?? '');
      }
    }
  }
  for (const v of container.env ?? []) {
    const value = await envVarValue(pod, container, v, vars, objects, ctx);
    if (value !== undefined) vars.set(v.name, value);
  }
  const out = new Map<string, string>();
  for (const entry of imageEnv) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [k, v] of vars) {
    out.delete(k); // keep the order: the container's entries after the image's
    out.set(k, v);
  }
  return [...out].map(([k, v]) => `${k}=${v}`);
}

/** command/args against the image's Entrypoint/Cmd (Kubernetes' rules), with $(VAR) expansion. */
export function resolveArgs(container: Container, image: { entrypoint: string[]; cmd: string[] }, env: string[]): string[] {
  const vars = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq > 0) vars.set(e.slice(0, eq), e.slice(eq + 1));
  }
  const expand = (a: string): string => expandVars(a, vars);
  const command = container.command?.length ? container.command : undefined;
  const args = container.args?.length ? container.args : undefined;
  if (command) return [...command, ...(args ?? [])].map(expand);
  if (args) return [...image.entrypoint, ...args.map(expand)];
  return [...image.entrypoint, ...image.cmd];
}

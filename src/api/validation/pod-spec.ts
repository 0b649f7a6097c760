/**
 * Semantic checks of a PodSpec (a subset of k/k pkg/apis/core/validation ValidatePodSpec) with the same field
 * paths and messages, so `kubectl` users see familiar errors. Types are already checked by the schema.
 */
import type { Container, PodSpec, Probe, ResourceRequirements, Toleration } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { tryParseQuantity } from '../quantity.js';
import { fieldErrors, invalidEach } from './field-errors.js';
import { validateLabels } from './metadata.js';
import { validateLabelSelector } from './selector.js';
import {
  isDns1123Label, isDns1123Subdomain, isEnvVarName, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNumber,
} from './names.js';

export const restartPolicies = ['Always', 'OnFailure', 'Never'] as const;
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const standardResources = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);

function nonNegative(field: string, value: number | undefined): StatusCause[] {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(field, value, 'must be greater than or equal to 0')] : [];
}

function validateResourceName(name: string, field: string): StatusCause[] {
  if (standardResources.has(name) || name.startsWith('hugepages-')) return [];
  if (!name.includes('/')) {
    return [fieldErrors.invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return invalidEach(field, name, isQualifiedName(name));
}

export function validateResources(resources: ResourceRequirements | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  for (const [kind, list] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, raw] of Object.entries(list)) {
      const path = `${field}.${kind}[${name}]`;
      causes.push(...validateResourceName(name, path));
      const q = tryParseQuantity(raw);
      if (!q) causes.push(fieldErrors.invalid(path, raw, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      else if (q.nano < 0n) causes.push(fieldErrors.invalid(path, raw, 'must be greater than or equal to 0'));
      else if (name === 'cpu' && q.nano % 1_000_000n !== 0n) causes.push(fieldErrors.invalid(path, raw, 'must be no more precise than 1m'));
    }
  }
  for (const [name, raw] of Object.entries(requests)) {
    const request = tryParseQuantity(raw);
    const limit = tryParseQuantity(limits[name]);
    if (request && limit && request.cmp(limit) > 0) {
      causes.push(fieldErrors.invalid(`${field}.requests`, String(raw), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
  return causes;
}

function handlerTypes(handler: object): string[] {
  return ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'].filter((k) => (handler as Record<string, unknown>)[k] !== undefined);
}

function validatePortRef(port: unknown, field: string): StatusCause[] {
  if (typeof port === 'number') return invalidEach(field, port, isValidPortNumber(port));
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return invalidEach(field, port, isValidPortNumber(Number(port)));
    return invalidEach(field, port, isValidPortName(port));
  }
  return [fieldErrors.required(field)];
}

export function validateProbe(probe: Probe | undefined, field: string, mustSucceedOnce: boolean): StatusCause[] {
  if (!probe) return [];
  const causes: StatusCause[] = [];
  const types = handlerTypes(probe);
  if (types.length === 0) causes.push(fieldErrors.required(field, 'must specify a handler type'));
  else if (types.length > 1) causes.push(fieldErrors.forbidden(`${field}.${types[1]}`, 'may not specify more than 1 handler type'));
  causes.push(...nonNegative(`${field}.initialDelaySeconds`, probe.initialDelaySeconds));
  causes.push(...nonNegative(`${field}.timeoutSeconds`, probe.timeoutSeconds));
  causes.push(...nonNegative(`${field}.periodSeconds`, probe.periodSeconds));
  causes.push(...nonNegative(`${field}.successThreshold`, probe.successThreshold));
  causes.push(...nonNegative(`${field}.failureThreshold`, probe.failureThreshold));
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    causes.push(fieldErrors.invalid(`${field}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  if (probe.httpGet) {
    causes.push(...validatePortRef(probe.httpGet.port, `${field}.httpGet.port`));
    if (probe.httpGet.scheme && !['HTTP', 'HTTPS'].includes(probe.httpGet.scheme)) {
      causes.push(fieldErrors.notSupported(`${field}.httpGet.scheme`, probe.httpGet.scheme, ['HTTP', 'HTTPS']));
    }
  }
  if (probe.tcpSocket) causes.push(...validatePortRef(probe.tcpSocket.port, `${field}.tcpSocket.port`));
  if (probe.exec && (probe.exec.command ?? []).length === 0) causes.push(fieldErrors.required(`${field}.exec.command`));
  return causes;
}

function validateContainer(c: Container, field: string, volumes: Set<string>, isInit: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!c.name) causes.push(fieldErrors.required(`${field}.name`));
  else causes.push(...invalidEach(`${field}.name`, c.name, isDns1123Label(c.name)));
  if (!c.image) causes.push(fieldErrors.required(`${field}.image`));
  else if (c.image.trim() !== c.image) causes.push(fieldErrors.invalid(`${field}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy && !pullPolicies.includes(c.imagePullPolicy)) {
    causes.push(fieldErrors.notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  }
  if (c.terminationMessagePolicy && !terminationMessagePolicies.includes(c.terminationMessagePolicy)) {
    causes.push(fieldErrors.notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const path = `${field}.ports[${i}]`;
    if (port.name) {
      causes.push(...invalidEach(`${path}.name`, port.name, isValidPortName(port.name)));
      if (portNames.has(port.name)) causes.push(fieldErrors.duplicate(`${path}.name`, port.name));
      portNames.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) causes.push(fieldErrors.required(`${path}.containerPort`));
    else causes.push(...invalidEach(`${path}.containerPort`, port.containerPort, isValidPortNumber(port.containerPort)));
    if (port.hostPort) causes.push(...invalidEach(`${path}.hostPort`, port.hostPort, isValidPortNumber(port.hostPort)));
    if (port.protocol && !protocols.includes(port.protocol)) causes.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, protocols));
  });
  (c.env ?? []).forEach((e, i) => {
    const path = `${field}.env[${i}]`;
    if (!e.name) causes.push(fieldErrors.required(`${path}.name`));
    else causes.push(...invalidEach(`${path}.name`, e.name, isEnvVarName(e.name)));
    if (e.value !== undefined && e.value !== '' && e.valueFrom) {
      causes.push(fieldErrors.invalid(`${path}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    }
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const path = `${field}.volumeMounts[${i}]`;
    if (!m.name) causes.push(fieldErrors.required(`${path}.name`));
    else if (!volumes.has(m.name)) causes.push({ reason: 'FieldValueNotFound', field: `${path}.name`, message: `Not found: ${JSON.stringify(m.name)}` });
    if (!m.mountPath) causes.push(fieldErrors.required(`${path}.mountPath`));
    else if (mountPaths.has(m.mountPath)) causes.push(fieldErrors.invalid(`${path}.mountPath`, m.mountPath, 'must be unique'));
    if (m.mountPath) mountPaths.add(m.mountPath);
  });
  causes.push(...validateResources(c.resources, `${field}.resources`));
  const sidecar = isInit && c.restartPolicy === 'Always';
  if (isInit && !sidecar) {
    // Regular init containers run to completion: probes and lifecycle hooks are not allowed.
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (c[probe]) causes.push(fieldErrors.forbidden(`${field}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    causes.push(...validateProbe(c.livenessProbe, `${field}.livenessProbe`, true));
    causes.push(...validateProbe(c.readinessProbe, `${field}.readinessProbe`, false));
    causes.push(...validateProbe(c.startupProbe, `${field}.startupProbe`, true));
  }
  if (c.restartPolicy !== undefined && !(isInit && c.restartPolicy === 'Always')) {
    causes.push(isInit
      ? fieldErrors.notSupported(`${field}.restartPolicy`, c.restartPolicy, ['Always'])
      : fieldErrors.forbidden(`${field}.restartPolicy`, 'may not be set for non-init containers'));
  }
  return causes;
}

export function validateTolerations(tolerations: Toleration[] | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const path = `${field}[${i}]`;
    if (t.key) causes.push(...invalidEach(`${path}.key`, t.key, isQualifiedName(t.key)));
    else if (t.operator !== 'Exists') {
      causes.push(fieldErrors.invalid(`${path}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      causes.push(fieldErrors.invalid(`${path}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? 'Equal') {
      case 'Equal':
        causes.push(...invalidEach(`${path}.value`, t.value ?? '', isValidLabelValue(t.value ?? '')));
        break;
      case 'Exists':
        if (t.value) causes.push(fieldErrors.invalid(`${path}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
        break;
      default:
        causes.push(fieldErrors.notSupported(`${path}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !taintEffects.includes(t.effect)) causes.push(fieldErrors.notSupported(`${path}.effect`, t.effect, taintEffects));
  });
  return causes;
}

function validateAffinity(spec: PodSpec, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const affinity = spec.affinity;
  if (!affinity) return causes;
  const required = affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && (required.nodeSelectorTerms ?? []).length === 0) {
    causes.push(fieldErrors.required(`${field}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`, 'must have at least one node selector term'));
  }
  (required?.nodeSelectorTerms ?? []).forEach((term, i) => {
    (term.matchExpressions ?? []).forEach((req, j) => {
      const path = `${field}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].matchExpressions[${j}]`;
      const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
      if (!ops.includes(req.operator)) causes.push(fieldErrors.notSupported(`${path}.operator`, req.operator, ops));
      if ((req.operator === 'In' || req.operator === 'NotIn') && (req.values ?? []).length === 0) {
        causes.push(fieldErrors.required(`${path}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
      }
      causes.push(...invalidEach(`${path}.key`, req.key, isQualifiedName(req.key)));
    });
  });
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const a = affinity[kind];
    (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
      const path = `${field}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (!term.topologyKey) causes.push(fieldErrors.required(`${path}.topologyKey`, 'can not be empty'));
      causes.push(...validateLabelSelector(term.labelSelector, `${path}.labelSelector`));
    });
    (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((weighted, i) => {
      const path = `${field}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      if (weighted.weight < 1 || weighted.weight > 100) causes.push(fieldErrors.invalid(`${path}.weight`, weighted.weight, 'must be in the range 1-100'));
      if (!weighted.podAffinityTerm?.topologyKey) causes.push(fieldErrors.required(`${path}.podAffinityTerm.topologyKey`, 'can not be empty'));
    });
  }
  return causes;
}

/** ValidatePodSpec (semantic subset). `field` is 'spec' for a Pod, 'spec.template.spec' for templates. */
export function validatePodSpec(spec: PodSpec | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!spec) return [fieldErrors.required(field)];
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const path = `${field}.volumes[${i}]`;
    if (!v.name) causes.push(fieldErrors.required(`${path}.name`));
    else {
      causes.push(...invalidEach(`${path}.name`, v.name, isDns1123Label(v.name)));
      if (volumes.has(v.name)) causes.push(fieldErrors.duplicate(`${path}.name`, v.name));
      volumes.add(v.name);
    }
  });
  const names = new Set<string>();
  const checkName = (c: Container, path: string) => {
    if (!c.name) return;
    if (names.has(c.name)) causes.push(fieldErrors.duplicate(`${path}.name`, c.name));
    names.add(c.name);
  };
  (spec.initContainers ?? []).forEach((c, i) => {
    const path = `${field}.initContainers[${i}]`;
    causes.push(...validateContainer(c, path, volumes, true));
    checkName(c, path);
  });
  const containers = spec.containers ?? [];
  if (containers.length === 0) causes.push(fieldErrors.required(`${field}.containers`));
  containers.forEach((c, i) => {
    const path = `${field}.containers[${i}]`;
    causes.push(...validateContainer(c, path, volumes, false));
    checkName(c, path);
  });
  if (spec.restartPolicy && !(restartPolicies as readonly string[]).includes(spec.restartPolicy)) {
    causes.push(fieldErrors.notSupported(`${field}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  if (spec.dnsPolicy && !dnsPolicies.includes(spec.dnsPolicy)) causes.push(fieldErrors.notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) {
    causes.push(fieldErrors.required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    causes.push(fieldErrors.invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  causes.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  for (const key of ['serviceAccountName', 'nodeName', 'schedulerName', 'priorityClassName', 'subdomain'] as const) {
    const value = spec[key];
    if (value) causes.push(...invalidEach(`${field}.${key}`, value, key === 'subdomain' ? isDns1123Label(value) : isDns1123Subdomain(value)));
  }
  if (spec.hostname) causes.push(...invalidEach(`${field}.hostname`, spec.hostname, isDns1123Label(spec.hostname)));
  causes.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  causes.push(...validateAffinity(spec, `${field}.affinity`));
  (spec.topologySpreadConstraints ?? []).forEach((c, i) => {
    const path = `${field}.topologySpreadConstraints[${i}]`;
    if (!(c.maxSkew > 0)) causes.push(fieldErrors.invalid(`${path}.maxSkew`, c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) causes.push(fieldErrors.required(`${path}.topologyKey`, 'can not be empty'));
    const actions = ['DoNotSchedule', 'ScheduleAnyway'];
    if (!actions.includes(c.whenUnsatisfiable)) causes.push(fieldErrors.notSupported(`${path}.whenUnsatisfiable`, c.whenUnsatisfiable, actions));
    causes.push(...validateLabelSelector(c.labelSelector, `${path}.labelSelector`));
  });
  return causes;
}

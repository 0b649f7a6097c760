/** core/v1 Service. ClusterIP allocation is the API server's job; this file only defaults and checks. */
import { isIP } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { StatusCause } from '../errors.js';
import { age } from '../printers/age.js';
import { column, formatLabels } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { validateLabels } from '../validation/metadata.js';
import { isDns1123Label, isDns1123Subdomain, isValidPortName, isValidPortNumber } from '../validation/names.js';
import { isValidIp } from '../validation/ip.js';
import { defineKind, type Writable } from './define.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

export function defaultService(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ||= 'ClusterIP';
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const port of spec.ports ?? []) {
    port.protocol ||= 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ||= 'Cluster';
  // Keep the legacy clusterIP and the clusterIPs list in step when the user gave only one of them.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  // Stratus clusters are single-stack; upstream's allocator records that on every non-ExternalName service.
  if (spec.type !== 'ExternalName') {
    spec.ipFamilyPolicy ||= 'SingleStack';
    if (!spec.ipFamilies?.length) spec.ipFamilies = [spec.clusterIP && isIP(spec.clusterIP) === 6 ? 'IPv6' : 'IPv4'];
  }
  const status = ((svc as Writable<Service>).status ??= {});
  status.loadBalancer ??= {};
}

function validateTargetPort(value: number | string | undefined, field: string): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return invalidEach(field, value, isValidPortNumber(value));
  if (/^\d+$/.test(value)) return invalidEach(field, value, isValidPortNumber(Number(value)));
  return invalidEach(field, value, isValidPortName(value));
}

export function validateService(svc: Service, old: Service | undefined): StatusCause[] {
  const spec = svc.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const causes: StatusCause[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) causes.push(fieldErrors.notSupported('spec.type', type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  const ports = spec.ports ?? [];
  if (ports.length === 0 && type !== 'ExternalName' && !headless) causes.push(fieldErrors.required('spec.ports'));
  if (type === 'ExternalName') {
    if (!spec.externalName) causes.push(fieldErrors.required('spec.externalName'));
    else causes.push(...invalidEach('spec.externalName', spec.externalName, isDns1123Subdomain(spec.externalName.replace(/\.$/, ''))));
  }
  const names = new Set<string>();
  const portProtocols = new Set<string>();
  ports.forEach((port, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !port.name) causes.push(fieldErrors.required(`${path}.name`));
    if (port.name) {
      causes.push(...invalidEach(`${path}.name`, port.name, isDns1123Label(port.name)));
      if (names.has(port.name)) causes.push(fieldErrors.duplicate(`${path}.name`, port.name));
      names.add(port.name);
    }
    causes.push(...invalidEach(`${path}.port`, port.port, isValidPortNumber(port.port)));
    if (port.protocol && !protocols.includes(port.protocol)) causes.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, protocols));
    causes.push(...validateTargetPort(port.targetPort, `${path}.targetPort`));
    if (port.nodePort) {
      if (type === 'ClusterIP' || type === 'ExternalName') {
        causes.push(fieldErrors.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else {
        causes.push(...invalidEach(`${path}.nodePort`, port.nodePort, isValidPortNumber(port.nodePort)));
      }
    }
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (portProtocols.has(key)) causes.push(fieldErrors.duplicate(path, { port: port.port, protocol: port.protocol ?? 'TCP' }));
    portProtocols.add(key);
  });
  const affinities = ['ClientIP', 'None'];
  if (spec.sessionAffinity && !affinities.includes(spec.sessionAffinity)) {
    causes.push(fieldErrors.notSupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  }
  causes.push(...validateLabels(spec.selector, 'spec.selector'));
  if (spec.clusterIP && spec.clusterIP !== 'None') causes.push(...invalidEach('spec.clusterIP', spec.clusterIP, isValidIp(spec.clusterIP)));
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (ip !== 'None') causes.push(...invalidEach(`spec.clusterIPs[${i}]`, ip, isValidIp(ip)));
  });
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    causes.push(fieldErrors.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  if (type === 'ExternalName' && spec.clusterIP && spec.clusterIP !== 'None') {
    causes.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => causes.push(...invalidEach(`spec.externalIPs[${i}]`, ip, isValidIp(ip))));
  if (old) {
    // An allocated cluster IP stays for the life of the service (unless it turns into or out of ExternalName).
    const oldIp = old.spec?.clusterIP;
    const crossesExternalName = old.spec?.type === 'ExternalName' || type === 'ExternalName';
    if (oldIp && spec.clusterIP && spec.clusterIP !== oldIp && !crossesExternalName) {
      causes.push(fieldErrors.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
    }
  }
  return causes;
}

function externalIpCell(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export function servicePortsCell(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

export const serviceKind = defineKind<Service>({
  group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true,
  definition: 'io.k8s.api.core.v1.Service',
  shortNames: ['svc'], categories: ['all'],
  subresources: ['status'],
  nameRule: 'dns1035Label',
  defaults: defaultService,
  validate: validateService,
  columns: [
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    const clusterIp = spec.clusterIPs?.[0] ?? spec.clusterIP ?? '<none>';
    return [spec.type ?? '', clusterIp || '<none>', externalIpCell(svc), servicePortsCell(svc), age(svc.metadata?.creationTimestamp, now), formatLabels(spec.selector)];
  },
});

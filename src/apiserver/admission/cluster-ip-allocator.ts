/**
 * Service cluster IPs from the service range (default 10.96.0.0/12). The first host address (10.96.0.1) is
 * reserved for the `kubernetes` Service. The allocation map is rebuilt from the stored Services at start, so
 * it survives restarts; IPs are reserved before the write and released when the write does not happen.
 */
import { errors } from '../../api/errors.js';
import { isObject, type KubeObject } from '../../api/object.js';
import type { ResourceKind } from '../../api/types.js';
import type { AdmissionHook } from '../context.js';

export interface IpRange {
  base: number;
  size: number;
  cidr: string;
}

export function parseCidr(cidr: string): IpRange {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`service cluster IP range "${cidr}" is not an IPv4 CIDR such as 10.96.0.0/12`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`service cluster IP range "${cidr}" must be an IPv4 CIDR between /8 and /30`);
  const ip = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size, cidr };
}

function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function stringToIp(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

function isService(kind: ResourceKind): boolean {
  return kind.group === '' && kind.kind === 'Service';
}

function specOf(obj: KubeObject): Record<string, unknown> {
  if (!isObject(obj['spec'])) obj['spec'] = {};
  return obj['spec'] as Record<string, unknown>;
}

function needsClusterIp(spec: Record<string, unknown>): boolean {
  return spec['type'] !== 'ExternalName' && spec['clusterIP'] !== 'None';
}

export class ClusterIpAllocator {
  private readonly used = new Set<number>();
  private next = 0;

  constructor(readonly range: IpRange) {}

  /** The address kept for the `kubernetes` Service in `default`. */
  get kubernetesServiceIp(): string {
    return ipToString(this.range.base + 1);
  }

  /** Marks addresses of stored Services as used (at start). */
  markUsed(ip: string): void {
    const n = stringToIp(ip);
    if (n !== undefined && this.contains(n)) this.used.add(n);
  }

  contains(n: number): boolean {
    return n > this.range.base && n < this.range.base + this.range.size - 1;
  }

  allocate(): string {
    const count = this.range.size - 2;
    for (let i = 0; i < count; i++) {
      const offset = 2 + ((this.next + i) % (count - 1));
      const n = this.range.base + offset;
      if (!this.used.has(n)) {
        this.used.add(n);
        this.next = offset - 1;
        return ipToString(n);
      }
    }
    throw errors.internal(`no cluster IPs left in ${this.range.cidr}; delete unused Services or widen the service range`);
  }

  /** Reserves a requested address; returns a reason when it cannot be used. */
  reserve(ip: string): string | undefined {
    const n = stringToIp(ip);
    if (n === undefined) return 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
    if (!this.contains(n)) return `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.range.cidr}`;
    if (this.used.has(n)) return 'provided IP is already allocated';
    this.used.add(n);
    return undefined;
  }

  release(ip: string): void {
    const n = stringToIp(ip);
    if (n !== undefined) this.used.delete(n);
  }

  hook(): AdmissionHook {
    const reserved = new WeakSet<KubeObject>();
    return {
      beforeCreate: (kind, obj) => {
        if (!isService(kind)) return;
        const spec = specOf(obj);
        if (!needsClusterIp(spec)) return;
        const requested = typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '' ? spec['clusterIP'] : undefined;
        let ip: string;
        if (requested) {
          const why = this.reserve(requested);
          if (why) throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', message: `Invalid value: "${requested}": ${why}`, field: 'spec.clusterIPs' }]);
          ip = requested;
        } else {
          ip = this.allocate();
        }
        spec['clusterIP'] = ip;
        spec['clusterIPs'] = [ip];
        reserved.add(obj);
      },
      beforeUpdate: (kind, obj, old) => {
        if (!isService(kind)) return;
        const spec = specOf(obj);
        const oldSpec = isObject(old['spec']) ? old['spec'] : {};
        const oldIp = oldSpec['clusterIP'];
        if (spec['clusterIP'] === undefined || spec['clusterIP'] === '') {
          if (oldIp !== undefined) spec['clusterIP'] = oldIp;
          if (oldSpec['clusterIPs'] !== undefined) spec['clusterIPs'] = oldSpec['clusterIPs'];
        } else if (spec['clusterIP'] !== oldIp) {
          throw errors.invalid('', 'Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', message: `Invalid value: "${String(spec['clusterIP'])}": field is immutable`, field: 'spec.clusterIPs[0]' }]);
        }
        if (spec['clusterIPs'] === undefined && oldSpec['clusterIPs'] !== undefined) spec['clusterIPs'] = oldSpec['clusterIPs'];
      },
      released: (kind, obj) => {
        if (!isService(kind) || !reserved.has(obj)) return;
        reserved.delete(obj);
        const ip = specOf(obj)['clusterIP'];
        if (typeof ip === 'string') this.release(ip);
      },
      afterDelete: (kind, obj) => {
        if (!isService(kind)) return;
        const spec = specOf(obj);
        if (typeof spec['clusterIP'] === 'string') this.release(spec['clusterIP']);
      },
    };
  }
}

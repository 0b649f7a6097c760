// The pod's /etc/hosts, /etc/hostname and /etc/resolv.conf, written once per pod and bind-mounted into each
// container (like kubelet's managed etc-hosts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface DnsSettings {
  /** Cluster DNS server addresses; when empty, ClusterFirst pods get the host's resolv.conf. */
  clusterDns: string[];
  clusterDomain: string;
  /** The host's resolver file (dnsPolicy Default, and ClusterFirst without cluster DNS). */
  hostResolvConf: string;
}

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function podHostname(pod: Pod): string {
  return (pod.spec?.hostname || pod.metadata?.name || 'pod').slice(0, 63).replace(/[.-]+$/, '');
}

export function hostsFile(pod: Pod, podIP: string | undefined, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file (written by the stratus agent).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = podHostname(pod);
  if (podIP) {
    const sub = pod.spec?.subdomain;
    const fqdn = sub ? `${hostname}.${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}\t` : '';
    lines.push(`${podIP}\t${fqdn}${hostname}`);
  }
  for (const alias of pod.spec?.hostAliases ?? []) {
    if (alias.ip && alias.hostnames?.length) lines.push(`${alias.ip}\t${alias.hostnames.join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export async function resolvConf(pod: Pod, dns: DnsSettings): Promise<string> {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata?.namespace ?? 'default';
  const host = readTextOr(dns.hostResolvConf, 'nameserver 127.0.0.1\n');
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const clusterFirst = (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && dns.clusterDns.length > 0;
  if (policy === 'None') {
    // only dnsConfig below
  } else if (clusterFirst) {
    nameservers = [...dns.clusterDns];
    searches = [`${ns}.svc.${dns.clusterDomain}`, `svc.${dns.clusterDomain}`, dns.clusterDomain];
    options = ['ndots:5'];
  } else {
    for (const line of host.split('\n')) {
      const [key, ...rest] = line.trim().split(/\s+/);
      if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
      else if (key === 'search') searches = rest;
      else if (key === 'options') options.push(...rest);
    }
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    for (const n of cfg.nameservers ?? []) if (!nameservers.includes(n)) nameservers.push(n);
    for (const s of cfg.searches ?? []) if (!searches.includes(s)) searches.push(s);
    for (const o of cfg.options ?? []) {
      if (!o.name) continue;
      options = options.filter((x) => x.split(':')[0] !== o.name);
      options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
    }
  }
  const out: string[] = [];
  if (searches.length) out.push(`search ${searches.join(' ')}`);
  for (const n of nameservers.slice(0, 3)) out.push(`nameserver ${n}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return `${out.join('\n')}\n`;
}

/** Writes the three files into dir; returns their paths. */
export async function writeEtcFiles(dir: string, pod: Pod, podIP: string | undefined, dns: DnsSettings): Promise<EtcFiles> {
  const resolv = await resolvConf(pod, dns);
  // Small local files, written synchronously (see runtime/state-files.ts).
  mkdirSync(dir, { recursive: true });
  const files: EtcFiles = { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
  writeFileSync(files.hosts, hostsFile(pod, podIP, dns.clusterDomain), { mode: 0o644 });
  writeFileSync(files.hostname, `${podHostname(pod)}\n`, { mode: 0o644 });
  writeFileSync(files.resolvConf, resolv, { mode: 0o644 });
  return files;
}

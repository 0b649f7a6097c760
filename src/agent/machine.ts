import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import type { NodeSystemInfo } from 'kubernetes-types/core/v1.js';

export const KUBELET_VERSION = 'v1.32.0-stratus';

/** Facts about this machine that a Node reports. */
export interface MachineFacts {
  cpus: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  hostname: string;
  nodeInfo: NodeSystemInfo;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const release = readOr('/etc/os-release', '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? 'Linux';
}

export function goArch(arch = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

export function readMachineFacts(rootDir: string, runtimeVersion: string): MachineFacts {
  let ephemeralStorageBytes = 0;
  try {
    const fs = statfsSync(rootDir);
    ephemeralStorageBytes = fs.blocks * fs.bsize;
  } catch {
    ephemeralStorageBytes = 0;
  }
  const machineID = readOr('/etc/machine-id', '');
  return {
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes,
    hostname: os.hostname(),
    nodeInfo: {
      machineID,
      systemUUID: readOr('/sys/class/dmi/id/product_uuid', machineID),
      bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: goArch(),
    },
  };
}

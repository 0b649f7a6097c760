// Test fixture: a BridgeNetwork with a unique node name, bridge and free /24, removed by cleanup().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeNetwork } from '../../src/network/bridge-network.js';

export function freeTestPodCidr(): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    const octet = 200 + Math.floor(Math.random() * 50);
    const cidr = `10.244.${octet}.0/24`;
    if (!execFileSync('ip', ['route', 'show', cidr], { encoding: 'utf8' }).trim()) return cidr;
  }
  throw new Error('no free 10.244.200-249.0/24 range for the test');
}

export interface NetworkFixture {
  network: BridgeNetwork;
  dir: string;
  cleanup(): Promise<void>;
}

export function makeNetworkFixture(options: { mtu?: number; poolSize?: number } = {}): NetworkFixture {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-net-'));
  const nodeName = `t${Math.random().toString(36).slice(2, 8)}`;
  const network = new BridgeNetwork({ nodeName, podCidr: freeTestPodCidr(), stateDir: join(dir, 'state'), ...options });
  return {
    network,
    dir,
    async cleanup() {
      await network.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** Runs busybox inside a named netns. */
export function inNetns(netns: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, 'busybox', ...args], { encoding: 'utf8', timeout: 10_000 });
}

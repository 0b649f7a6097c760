// The node's InternalIP: the given address, else the first IPv4 address of a physical-looking interface.
import os from 'node:os';

export function detectHostIP(preferred?: string): string {
  if (preferred) return preferred;
  const skip = /^(lo|st-|veth|cni|docker|br-|virbr|flannel|vxlan)/;
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (skip.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

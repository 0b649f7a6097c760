// The portmap plugin keeps host-wide chains (CNI-HOSTPORT-*) that it never deletes. They are shared by
// every CNI network on the machine, so they are removed only when no host port is mapped any more.
import { run, tryRun } from './command.js';

const DNAT = 'CNI-HOSTPORT-DNAT';
const MASQ = 'CNI-HOSTPORT-MASQ';
const SETMARK = 'CNI-HOSTPORT-SETMARK';

async function chainRules(chain: string): Promise<string[] | undefined> {
  const out = await tryRun('iptables', ['-w', '-t', 'nat', '-S', chain]);
  return out?.split('\n').filter((l) => l.startsWith('-A '));
}

/** Removes the portmap plugin's shared chains when they map nothing. Returns whether it removed them. */
export async function removeIdlePortmapChains(): Promise<boolean> {
  const dnat = await chainRules(DNAT);
  if (!dnat || dnat.length > 0) return false;
  const nat = await run('iptables', ['-w', '-t', 'nat', '-S']);
  for (const line of nat.split('\n')) {
    // Jumps into the shared chains from the built-in chains: delete by turning -A into -D.
    if (/^-A (PREROUTING|OUTPUT|POSTROUTING) /.test(line) && new RegExp(`-j (${DNAT}|${MASQ})$`).test(line)) {
      await tryRun('sh', ['-c', `iptables -w -t nat ${line.replace(/^-A/, '-D')}`]);
    }
  }
  for (const chain of [DNAT, MASQ, SETMARK]) {
    await tryRun('iptables', ['-w', '-t', 'nat', '-F', chain]);
    await tryRun('iptables', ['-w', '-t', 'nat', '-X', chain]);
  }
  return true;
}

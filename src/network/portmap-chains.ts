// The portmap plugin keeps host-wide chains (CNI-HOSTPORT-*) that it never deletes. They are shared by
// every CNI network on the machine, so they are removed only when no host port is mapped any more.
import { tryRun } from './command.js';

const DNAT = 'CNI-HOSTPORT-DNAT';
const MASQ = 'CNI-HOSTPORT-MASQ';
const SETMARK = 'CNI-HOSTPORT-SETMARK';

/** Held by every portmap plugin run and by the removal below, across processes (all nodes on the machine). */
export const PORTMAP_LOCK = '/run/stratus-portmap.lock';

// One shell script under the lock: the idle check and the removal must not interleave with another process's
// portmap ADD (which would lose its jump rules and so its host ports).
const REMOVE_IF_IDLE = `
iptables -w -t nat -S ${DNAT} >/dev/null 2>&1 || exit 3
if iptables -w -t nat -S ${DNAT} | grep -q '^-A '; then exit 3; fi
iptables -w -t nat -S | grep -E '^-A (PREROUTING|OUTPUT|POSTROUTING) .*-j (${DNAT}|${MASQ})$' | sed 's/^-A/-D/' |
  while read -r rule; do eval "iptables -w -t nat $rule" || true; done
for c in ${DNAT} ${MASQ} ${SETMARK}; do iptables -w -t nat -F $c 2>/dev/null || true; iptables -w -t nat -X $c 2>/dev/null || true; done
exit 0
`;

/** Removes the portmap plugin's shared chains when they map nothing. Returns whether it removed them. */
export async function removeIdlePortmapChains(): Promise<boolean> {
  return (await tryRun('flock', [PORTMAP_LOCK, 'sh', '-c', REMOVE_IF_IDLE])) !== undefined;
}

// Background work of a node (pool refills) under the kernel's SCHED_IDLE policy: such a process gets a CPU only
// when nothing else wants it, so it does not slow down the pod starts it prepares for. `nice -n 19` did not go
// far enough: on two cores a niced CNI plugin still took ≈ 4 ms from every pod start beside it.

/** `argv` run with `chrt --idle 0` (util-linux; it execs the command in the same process, no extra fork). */
export function idlePriority(argv: string[]): string[] {
  return ['chrt', '--idle', '0', ...argv];
}

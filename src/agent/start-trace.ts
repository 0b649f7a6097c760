// Opt-in timeline of pod starts (STRATUS_START_TRACE=1): hrtime marks per pod name at each stage of the agent's
// start path, read by bench/pod-start.ts to show where the time goes. Off, mark() is one boolean check.
const enabled = !!process.env.STRATUS_START_TRACE;
const marks = new Map<string, Array<[string, bigint]>>();

export function mark(podName: string, stage: string): void {
  if (!enabled) return;
  let list = marks.get(podName);
  if (!list) marks.set(podName, (list = []));
  list.push([stage, process.hrtime.bigint()]);
}

/** The marks of a pod (oldest first), forgotten once read. */
export function takeMarks(podName: string): Array<[string, bigint]> {
  const list = marks.get(podName) ?? [];
  marks.delete(podName);
  return list;
}

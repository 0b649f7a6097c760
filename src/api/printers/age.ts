/** Durations and ages as kubectl prints them (apimachinery util/duration HumanDuration). */

/** "5s", "3m12s", "12m", "5h3m", "20h", "2d3h", "30d", "2y30d", "9y". About 2–3 significant figures. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  // Up to 2 s in the future counts as now: clocks on different machines disagree a little.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.trunc(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const years = Math.trunc(days / 365);
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function parseTime(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Age of an RFC 3339 timestamp at `now`, or "<unknown>" when unset (translateTimestampSince). */
export function age(timestamp: unknown, now: Date): string {
  const ms = parseTime(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}

/** Time between two timestamps, or undefined when either is unset. */
export function durationBetween(from: unknown, to: unknown): string | undefined {
  const start = parseTime(from);
  const end = parseTime(to);
  return start === undefined || end === undefined ? undefined : humanDuration(end - start);
}

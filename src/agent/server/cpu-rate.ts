/**
 * CPU usage rate from cumulative CPU time: keeps the last two samples per key that are at least `minWindowMs` apart,
 * so a rate is always measured over a recent window of at least that length (like cAdvisor's usageNanoCores).
 */

export interface CpuSample {
  /** Cumulative CPU time in nanoseconds. */
  cpuNanos: number;
  timeMs: number;
}

export interface CpuRate {
  /** Average usage over the window, in nanocores (1e9 = one full core). */
  nanoCores: number;
  windowMs: number;
}

interface Track {
  prev?: CpuSample;
  last: CpuSample;
}

export class CpuRateTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly minWindowMs = 1000) {}

  /** Records a sample and returns the rate it allows, if any. */
  record(key: string, sample: CpuSample): CpuRate | undefined {
    const track = this.tracks.get(key);
    if (!track || sample.cpuNanos < track.last.cpuNanos) {
      // First sight, or the counter went backwards (a new container under the same key): start over.
      this.tracks.set(key, { last: sample });
      return undefined;
    }
    if (sample.timeMs - track.last.timeMs >= this.minWindowMs) {
      track.prev = track.last;
      track.last = sample;
      return rate(track.prev, sample);
    }
    return track.prev ? rate(track.prev, sample) : undefined;
  }

  /** Forgets keys not in `live` (containers that are gone). */
  retain(live: ReadonlySet<string>): void {
    for (const key of this.tracks.keys()) if (!live.has(key)) this.tracks.delete(key);
  }

  get size(): number {
    return this.tracks.size;
  }
}

function rate(from: CpuSample, to: CpuSample): CpuRate {
  const windowMs = to.timeMs - from.timeMs;
  const nanoCores = windowMs > 0 ? Math.max(0, Math.round(((to.cpuNanos - from.cpuNanos) * 1000) / windowMs)) : 0;
  return { nanoCores, windowMs };
}

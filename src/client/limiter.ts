/** Runs at most `limit` async tasks at once; the rest wait their turn in order. */
export class Limiter {
  private active = 0;

  /** Tasks waiting for a slot. */
  get backlog(): number {
    return this.waiting.length;
  }

  private readonly waiting: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      const next = this.waiting.shift();
      if (next) next();
      else if (this.active === 0) { for (const wake of this.idleWaiters) wake(); this.idleWaiters = []; }
    }
  }

  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

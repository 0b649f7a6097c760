/**
 * client-go's ControllerExpectations: how many creates/deletes a controller made that its informer has not yet
 * shown. A controller syncs a key only when its expectations are met (or expired), so it never acts twice on the
 * same stale cache.
 */
export class Expectations {
  private readonly pending = new Map<string, { adds: number; deletes: number; at: number }>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  expect(key: string, adds: number, deletes: number): void {
    this.pending.set(key, { adds, deletes, at: Date.now() });
  }

  observedAdd(key: string): void {
    const e = this.pending.get(key);
    if (e) e.adds--;
  }

  observedDelete(key: string): void {
    const e = this.pending.get(key);
    if (e) e.deletes--;
  }

  /** Lowers what is expected when a create or delete call failed (it will never be observed). */
  lower(key: string, adds: number, deletes: number): void {
    const e = this.pending.get(key);
    if (e) { e.adds -= adds; e.deletes -= deletes; }
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.deletes <= 0) || Date.now() - e.at > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}

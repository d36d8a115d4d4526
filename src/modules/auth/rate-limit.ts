/**
 * Failed sign-ins counted per key (an address or an account) in a sliding
 * window. Kept in memory: with several server instances each counts its own
 * share, which still caps guessing at instances × limit per window.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until another attempt is allowed, or 0. */
  retryAfter(key: string, nowMs: number): number {
    const recent = this.recent(key, nowMs);
    if (recent.length < this.limit) return 0;
    return recent[0]! + this.windowMs - nowMs;
  }

  fail(key: string, nowMs: number): void {
    const recent = this.recent(key, nowMs);
    recent.push(nowMs);
    if (this.failures.size > 50_000) this.failures.clear();
    this.failures.set(key, recent);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, nowMs: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
  }
}

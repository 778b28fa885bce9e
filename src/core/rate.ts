/**
 * Pacing for the load generator (pure: the caller passes the time). A token bucket fills at the
 * target rate; each record takes one token. Its capacity bounds the catch-up burst after a stall
 * (a slow PutRecords, a busy event loop), so the achieved rate neither overshoots nor silently drifts.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    startMs: number,
    initialTokens = 0,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(capacity >= 1)) throw new RangeError('capacity must be ≥ 1');
    this.tokens = Math.min(initialTokens, capacity);
    this.lastMs = startMs;
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / 1000);
      this.lastMs = nowMs;
    }
  }

  /** Whole tokens available at `nowMs`. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens + 1e-9);
  }

  /** Takes up to `max` whole tokens and returns how many were taken. */
  take(nowMs: number, max = Infinity): number {
    const n = Math.max(0, Math.min(this.available(nowMs), Math.floor(max)));
    this.tokens -= n;
    return n;
  }

  /** Milliseconds from `nowMs` until `n` whole tokens are available (0 if they already are). */
  msUntil(nowMs: number, n = 1): number {
    this.refill(nowMs);
    const missing = n - this.tokens;
    return missing <= 1e-9 ? 0 : (missing * 1000) / this.ratePerSecond;
  }
}

/** Exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"); `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, baseMs = 100, capMs = 2000): number {
  return Math.floor(random * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}

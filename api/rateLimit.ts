/**
 * A fixed-window rate limit per key (a token, an IP), in this process's memory.
 * Throws `429 rate_limited` (with `retryAfterSeconds`) past the limit. Kept
 * in-process on purpose: each API replica limits what reaches it, which bounds
 * the damage of a leaked link without a shared store (the embedded database
 * cannot count atomically).
 */
import { ApiError } from './errors';

export interface FixedWindowLimiter {
  /** Counts one request for `key`; throws 429 past the limit. */
  (key: string): void;
  /** Throws 429 if `key` has used up its window, without counting a request. */
  check(key: string): void;
}

export function fixedWindowLimiter({
  limit,
  windowMs,
  maxKeys = 100_000,
  what = 'uploads',
}: {
  limit: number;
  windowMs: number;
  maxKeys?: number;
  /** What is counted, for the message ("too many <what>"). */
  what?: string;
}): FixedWindowLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const refuse = (start: number, now: number): never => {
    const retryAfter = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
    throw new ApiError(429, 'rate_limited', `too many ${what}; try again in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
  };
  const take = (key: string): void => {
    const now = Date.now();
    let window = windows.get(key);
    if (!window || now - window.start >= windowMs) {
      if (windows.size >= maxKeys) {
        for (const [k, w] of windows) if (now - w.start >= windowMs) windows.delete(k);
        if (windows.size >= maxKeys) windows.clear(); // bounded memory beats perfect counting
      }
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > limit) refuse(window.start, now);
  };
  take.check = (key: string): void => {
    const now = Date.now();
    const window = windows.get(key);
    if (window && now - window.start < windowMs && window.count >= limit) refuse(window.start, now);
  };
  return take;
}

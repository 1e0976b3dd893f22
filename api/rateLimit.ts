/**
 * A fixed-window rate limit per key (a token, an IP), in this process's memory.
 * Throws `429 rate_limited` past the limit. Kept in-process on purpose: each API
 * replica limits what reaches it, which bounds the damage of a leaked link
 * without a shared store (the embedded database cannot count atomically).
 */
import { ApiError } from './errors';

export function fixedWindowLimiter({ limit, windowMs, maxKeys = 100_000 }: { limit: number; windowMs: number; maxKeys?: number }) {
  const windows = new Map<string, { start: number; count: number }>();
  return (key: string): void => {
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
    if (window.count > limit) {
      const retryAfter = Math.ceil((window.start + windowMs - now) / 1000);
      throw new ApiError(429, 'rate_limited', `too many uploads; try again in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
    }
  };
}

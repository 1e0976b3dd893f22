/**
 * Velocity counts from a capped read of the history (pure).
 *
 * The history of one value is read in one bounded query that cannot choose which
 * entries it returns: the database serves equality lookups only, no sort
 * (FerretDB v1 refuses `$natural` on ordinary collections; MongoDB's `$natural`
 * ignores indexes). So a read that comes back with fewer entries than the cap
 * holds them all and counts exactly; a read that reaches the cap may have missed
 * any of them — the recent ones included — and says so: both windows are
 * *saturated*, counted as the cap, which every rule's limit is below. Never an
 * undercount from an arbitrary part of a hot value's history.
 */
import type { WindowCounts } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * The most velocity entries read per value. A count of VELOCITY_CAP means "that
 * many or more": the value's history since the start of yesterday (UTC, the span
 * one read covers) reached the cap, too many to place by the hour or the day.
 * Every velocity limit is well below, and a hot value (a carrier's shared IP)
 * costs a bounded read instead of a scan of its days.
 */
export const VELOCITY_CAP = 50;

/**
 * Counts of one value's other orders in the hour and the day before `at`, from
 * the times a read capped at `cap` returned. Orders recorded after `at` count
 * too: they arrived while this one was being decided (each order is recorded
 * before it counts, so of a burst the later ones see the earlier ones).
 */
export function windowCounts(times: readonly number[], at: number, cap = VELOCITY_CAP): WindowCounts {
  if (times.length >= cap) return { hour: cap, day: cap };
  return {
    hour: times.filter((t) => t > at - HOUR_MS).length,
    day: times.filter((t) => t > at - DAY_MS).length,
  };
}

/** Whether counts reached the cap (then they mean "VELOCITY_CAP or more"). */
export const saturated = (counts: WindowCounts): boolean => counts.hour >= VELOCITY_CAP || counts.day >= VELOCITY_CAP;

/**
 * Retention: a final check's personal data is purged when its RETENTION_PERIOD
 * ends (API.md: "at most a minute later, whatever runs the purge"), whether or
 * not its workflow still runs. The check workflow completes once a check is
 * final and delivered; what remains is a small retention entry (models/retention.ts)
 * written with the final projection, and two passes run from Temporal Schedules
 * (worker/schedules.ts):
 *
 * - the sweep, every RETENTION_SWEEP_INTERVAL: reads the entries filed under the
 *   last LOOKBACK_MINUTES minutes (equality lookups; nothing scans all checks),
 *   purges those due and deletes their entries;
 * - the daily pass: scans the final checks of the read model for any that is due
 *   and not purged, whatever happened to its workflow (terminated; ended before
 *   retention entries existed; an entry lost) — a full scan, once a day.
 *
 * Both purge with `purgeCheck` (activities/readModel.ts), the same purge as a
 * privacy erasure; it is idempotent, so a check purged twice (an older workflow
 * still sleeping in its own retention timer, a retried activity) is no harm.
 */
import { Context } from '@temporalio/activity';
import { finalStatuses } from '../domain/check';
import { CheckModel, QueueEntryModel, RetentionEntryModel, isDuplicateKey } from '../models';
import { minuteOf } from '../models/retention';
import { logger } from '../lib/logger';

/** Minutes of entries each sweep reads (an hour: a sweep stopped for less than that misses nothing). */
export const LOOKBACK_MINUTES = 60;
/** Checks one sweep activity purges at most; the sweep workflow calls again while there are more. */
export const SWEEP_BATCH = 200;
/** Purges run side by side (each is a handful of database writes). */
const PURGE_CONCURRENCY = 4;

type Purge = (check: { checkId: string; orderId: string }) => Promise<void>;

/**
 * Files a final check under the minute its retention ends (idempotent: a unique
 * insert). An entry already due is filed under the current minute, which every
 * sweep from now on reads.
 */
export async function recordRetentionDue(entry: { checkId: string; orderId: string; dueAt: Date }): Promise<void> {
  try {
    await RetentionEntryModel.create({
      _id: entry.checkId,
      orderId: entry.orderId,
      dueAt: entry.dueAt,
      minute: Math.max(minuteOf(entry.dueAt.getTime()), minuteOf(Date.now())),
    });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/** Runs `task` over `items`, `limit` at a time. */
async function eachLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]);
      }
    }),
  );
  return results;
}

export function createRetentionActivities(options: { purgeCheck: Purge; defaultRetentionMs: number }) {
  /** Purges one check and removes every trace of its pending retention: the entry, a stale queue entry. */
  async function purgeDue(check: { checkId: string; orderId: string }): Promise<void> {
    await options.purgeCheck(check);
    await QueueEntryModel.deleteOne({ _id: check.checkId });
    await RetentionEntryModel.deleteOne({ _id: check.checkId });
  }

  /** One sweep: purges the checks whose retention is due, from the entries of the last hour's minutes. */
  async function purgeDueChecks(): Promise<{ purged: number; more: boolean }> {
    const now = Date.now();
    const current = minuteOf(now);
    const minutes = Array.from({ length: LOOKBACK_MINUTES + 1 }, (_, i) => current - LOOKBACK_MINUTES + i);
    const found = await eachLimited(minutes, 8, (minute) =>
      RetentionEntryModel.find({ minute }, { orderId: 1, dueAt: 1 }).limit(SWEEP_BATCH).lean(),
    );
    const due = found
      .flat()
      .filter((e) => e.dueAt.getTime() <= now)
      .slice(0, SWEEP_BATCH);
    await eachLimited(due, PURGE_CONCURRENCY, (e) => purgeDue({ checkId: e._id, orderId: e.orderId }));
    if (due.length > 0) logger.info({ purged: due.length }, 'retention sweep purged checks');
    return { purged: due.length, more: due.length === SWEEP_BATCH || found.some((entries) => entries.length === SWEEP_BATCH) };
  }

  /**
   * The daily pass: every final check of the read model that is not purged and
   * whose retention has ended (its own RETENTION_PERIOD when recorded, this
   * worker's otherwise; from when it ended, or its last change for checks that
   * predate `finalAt`). Streams the scan and heartbeats; a retry starts over
   * (purges are idempotent).
   */
  async function purgeForgottenChecks(): Promise<{ scanned: number; purged: number }> {
    const now = Date.now();
    let scanned = 0;
    let purged = 0;
    for (const status of finalStatuses) {
      const cursor = CheckModel.find({ status }, { orderId: 1, purgedAt: 1, finalAt: 1, updatedAt: 1, retentionMs: 1 })
        .lean()
        .cursor({ batchSize: 500 });
      for await (const record of cursor) {
        if (++scanned % 200 === 0) Context.current().heartbeat({ scanned, purged });
        if (record.purgedAt) continue;
        const endedAt = (record.finalAt ?? record.updatedAt).getTime();
        if (endedAt + (record.retentionMs ?? options.defaultRetentionMs) > now) continue;
        await purgeDue({ checkId: record._id, orderId: record.orderId });
        purged++;
      }
    }
    logger.info({ scanned, purged }, 'retention daily pass done');
    return { scanned, purged };
  }

  return { purgeDueChecks, purgeForgottenChecks };
}

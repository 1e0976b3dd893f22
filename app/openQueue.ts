/**
 * The open cases (in review, escalated, awaiting documents), held in this API
 * process's memory and kept current from the `queue` collection, so a queue
 * page is a sort of a few thousand small objects here instead of a database read.
 *
 * Why: the embedded database (FerretDB v1) serves equality lookups only — no
 * index-ordered read, no limit together with a filter — so any page of an
 * ordered queue read every open entry (2 000 entries: ~270 ms, nearly all of it
 * FerretDB decoding documents). Production's MongoDB could sort from an index,
 * but one path for both keeps the embedded stack honest.
 *
 * How it stays current, with equality lookups only: every write of a queue
 * entry (activities/readModel.ts, one writer per check) stamps it with `tick`,
 * the second it was written, and with the check's `version`; a check that ends
 * leaves its entry behind with its final status (a tombstone, deleted by the
 * retention purge) so the change is seen. A refresh reads the entries of the
 * seconds since the last refresh, plus LOOKBACK_SECONDS before it (writes that
 * were slow to land), and keeps the highest version of each. A full reload
 * every RELOAD_MS catches whatever that missed (an entry deleted outright).
 * While reviewers use it, it refreshes every REFRESH_MS in the background, so
 * pages are about that old and never older than MAX_AGE_MS (a request that finds
 * it older waits for a refresh); this process's own claims and decisions are
 * applied at once (`noteChange`).
 */
import { QueueEntryModel } from '../models';
import { openStatuses, tickOf } from '../models/queueEntry';

/** The entry as stored (models/queueEntry.ts). */
export interface QueueDoc {
  _id: string;
  orderId: string;
  status: string;
  band: string;
  score: number;
  amount?: number | null;
  currency?: string | null;
  createdAt: Date;
  updatedAt: Date;
  slaDueAt?: Date | null;
  escalationDueAt?: Date | null;
  escalationOverdueAt?: Date | null;
  assignee?: string | null;
  leaseExpiresAt?: Date | null;
  documentCount?: number;
  flags?: string[];
  version?: number;
  tick?: number;
}

/** While reviewers use the queue, it is refreshed in the background this often (ms). */
export const REFRESH_MS = 500;
/** A page may be this old (ms): a request finding the cache older (the first after a pause) waits for a refresh. */
export const MAX_AGE_MS = 2_000;
/** Seconds re-read before the last refresh: a write whose tick was taken that long before it landed is still seen. */
export const LOOKBACK_SECONDS = 5;
/** A full reload, whatever the ticks said (ms). */
export const RELOAD_MS = 60_000;
/** A cache idle for longer than this (s) reloads instead of reading every second it missed. */
const MAX_DELTA_SECONDS = 30;
/** After this long without a request the cache stops refreshing itself (the next request reloads it). */
const IDLE_MS = 60_000;

const isOpen = (status: string) => (openStatuses as readonly string[]).includes(status);

export class OpenQueue {
  private entries = new Map<string, QueueDoc>();
  /** Cases this process saw leave (`noteChange`) before the database may say so: their version, and when. */
  private left = new Map<string, { version: number; at: number }>();
  private loadedAt = 0;
  private refreshedAt = 0;
  /** The last tick a refresh read completely (the current second is read again next time). */
  private lastTick = 0;
  private lastRequest = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** The open entries of these statuses, no older than REFRESH_MS. */
  async entriesOf(statuses: readonly string[]): Promise<QueueDoc[]> {
    const now = this.clock();
    this.lastRequest = now;
    if (now - this.refreshedAt > MAX_AGE_MS) await this.refresh();
    this.keepFresh();
    const wanted = new Set(statuses);
    return [...this.entries.values()].filter((e) => wanted.has(e.status));
  }

  /**
   * A change this process made (a claim, a decision): applied now, not at the next
   * refresh. It counts as half a version newer than the entry (the projection of
   * the change, one version or more newer, then replaces it; an older one does not).
   */
  noteChange(checkId: string, change: (entry: QueueDoc) => QueueDoc | undefined): void {
    const entry = this.entries.get(checkId);
    if (!entry) return;
    const next = change(entry);
    const version = Math.max(next?.version ?? 0, (entry.version ?? 0) + 0.5);
    if (!next || !isOpen(next.status)) {
      this.entries.delete(checkId);
      // An older version read later (its projection not yet written) must not bring it back.
      this.left.set(checkId, { version, at: this.clock() });
    } else this.entries.set(checkId, { ...next, version });
  }

  /** One refresh at a time; callers during one share it. */
  refresh(): Promise<void> {
    this.inFlight ??= this.doRefresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async doRefresh(): Promise<void> {
    const started = this.clock();
    const tick = tickOf(started);
    if (started - this.loadedAt > RELOAD_MS || tick - this.lastTick > MAX_DELTA_SECONDS) {
      // Read the ticks first: an entry written while the full read runs is then in one of the two.
      const since = await this.readTicks(tick - LOOKBACK_SECONDS, tick);
      const all = await Promise.all(openStatuses.map((status) => QueueEntryModel.find({ status }).lean<QueueDoc[]>()));
      const entries = new Map<string, QueueDoc>();
      for (const doc of all.flat()) if (!this.hasLeft(doc)) entries.set(doc._id, doc);
      this.entries = entries;
      for (const [id, { at }] of this.left) if (started - at > RELOAD_MS) this.left.delete(id);
      this.apply(since);
      this.loadedAt = started;
    } else {
      this.apply(await this.readTicks(this.lastTick - LOOKBACK_SECONDS, tick));
    }
    this.lastTick = tick;
    this.refreshedAt = started;
  }

  private async readTicks(from: number, to: number): Promise<QueueDoc[]> {
    const ticks = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    const found = await Promise.all(ticks.map((t) => QueueEntryModel.find({ tick: t }).lean<QueueDoc[]>()));
    return found.flat();
  }

  /** Keeps each check's newest version; an entry that is no longer open leaves. */
  private apply(docs: QueueDoc[]): void {
    for (const doc of docs) {
      const known = this.entries.get(doc._id);
      if ((known && (known.version ?? 0) > (doc.version ?? 0)) || this.hasLeft(doc)) continue;
      if (isOpen(doc.status)) this.entries.set(doc._id, doc);
      else this.entries.delete(doc._id);
    }
  }

  private hasLeft(doc: QueueDoc): boolean {
    const left = this.left.get(doc._id);
    return left !== undefined && left.version > (doc.version ?? 0);
  }

  /** While reviewers use the queue, refresh in the background, so requests rarely wait for one. */
  private keepFresh(): void {
    if (this.timer) return;
    const tick = () => {
      this.timer = undefined;
      if (this.clock() - this.lastRequest > IDLE_MS) return;
      void this.refresh()
        .catch(() => undefined) // the next request refreshes (and reports) again
        .finally(() => this.keepFresh());
    };
    this.timer = setTimeout(tick, REFRESH_MS * 0.8);
    this.timer.unref();
  }
}

/** The API process's queue of open cases. */
export const openQueue = new OpenQueue();

/**
 * The review queue, most urgent first: higher band, then the SLA that runs out
 * first, then the oldest. The embedded database serves equality lookups from
 * indexes but sorts nothing itself, so the queue loads the small queue entries
 * (models/queueEntry.ts: open checks only) of the asked statuses by `status`,
 * sorts them here and pages with a keyset cursor (stable while cases come and
 * go). Closed statuses are read from the checks themselves, at most 5 000.
 */
import { z } from 'zod';
import { CheckModel, QueueEntryModel } from '../models';
import { statuses, type Status } from '../domain/check';

const bandRank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };
const openStatuses: Status[] = ['in_review', 'escalated', 'awaiting_documents'];

export const queueQuerySchema = z.object({
  status: z.enum(statuses).optional(),
  band: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  assignee: z.string().trim().min(1).max(128).optional(),
  flag: z.enum(['duplicate', 'quality']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});
export type QueueQuery = z.infer<typeof queueQuerySchema>;

const fields = {
  orderId: 1, status: 1, band: 1, score: 1, amount: 1, currency: 1, createdAt: 1, updatedAt: 1,
  slaDueAt: 1, escalationDueAt: 1, escalationOverdueAt: 1, assignee: 1, leaseExpiresAt: 1, documentCount: 1, flags: 1,
} as const;

interface QueueDoc {
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
}

interface Row {
  checkId: string;
  orderId: string;
  status: string;
  band: string;
  score: number;
  amount: number | null;
  currency: string | null;
  createdAt: string;
  updatedAt: string;
  slaDueAt: string | null;
  /** An escalated case's own SLA; `escalationOverdueAt` is set once it ran out with no senior decision. */
  escalationDueAt: string | null;
  escalationOverdueAt: string | null;
  assignee: string | null;
  leaseExpiresAt: string | null;
  documentCount: number;
  flags: string[];
}

type Key = [number, number, number, string];
const keyOf = (r: Row): Key => [-(bandRank[r.band] ?? 0), r.slaDueAt ? Date.parse(r.slaDueAt) : Number.MAX_SAFE_INTEGER, Date.parse(r.createdAt), r.checkId];
function compare(a: Key, b: Key): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0;
}

const qualityFlags = new Set(['blurry', 'too_dark', 'overexposed', 'too_small', 'unreadable']);

export async function queuePage(query: QueueQuery, me: string) {
  const wanted = query.status ? [query.status] : (['in_review', 'escalated'] as Status[]);
  const load = [...new Set([...wanted, ...openStatuses])];
  const byStatus = await Promise.all(
    load.map(async (status) => {
      const docs = open(status)
        ? await QueueEntryModel.find({ status }).lean()
        : await CheckModel.find({ status }, fields).limit(5000).lean();
      return [status, docs as unknown as QueueDoc[]] as const;
    }),
  );
  const counts = Object.fromEntries(byStatus.filter(([s]) => open(s)).map(([s, docs]) => [s, docs.length]));
  const now = Date.now();
  let rows: Row[] = byStatus
    .filter(([s]) => wanted.includes(s))
    .flatMap(([, docs]) => docs)
    .map((d) => {
      const claimed = d.assignee && d.leaseExpiresAt && new Date(d.leaseExpiresAt).getTime() > now;
      return {
        checkId: d._id,
        orderId: d.orderId,
        status: d.status,
        band: d.band,
        score: d.score,
        amount: d.amount ?? null,
        currency: d.currency ?? null,
        createdAt: new Date(d.createdAt).toISOString(),
        updatedAt: new Date(d.updatedAt).toISOString(),
        slaDueAt: d.slaDueAt ? new Date(d.slaDueAt).toISOString() : null,
        escalationDueAt: d.escalationDueAt ? new Date(d.escalationDueAt).toISOString() : null,
        escalationOverdueAt: d.escalationOverdueAt ? new Date(d.escalationOverdueAt).toISOString() : null,
        assignee: claimed ? (d.assignee as string) : null,
        leaseExpiresAt: claimed ? new Date(d.leaseExpiresAt as Date).toISOString() : null,
        documentCount: d.documentCount ?? 0,
        flags: d.flags ?? [],
      };
    });
  if (query.band) rows = rows.filter((r) => r.band === query.band);
  if (query.assignee) {
    const who = query.assignee === 'me' ? me : query.assignee;
    rows = rows.filter((r) => (who === 'none' ? r.assignee === null : r.assignee === who));
  }
  if (query.flag === 'duplicate') rows = rows.filter((r) => r.flags.includes('duplicate'));
  if (query.flag === 'quality') rows = rows.filter((r) => r.flags.some((f) => qualityFlags.has(f)));

  const keyed = rows.map((r) => [keyOf(r), r] as const).sort((a, b) => compare(a[0], b[0]));
  const after = decodeCursor(query.cursor);
  const start = after ? keyed.findIndex(([k]) => compare(k, after) > 0) : 0;
  const page = start < 0 ? [] : keyed.slice(start, start + query.limit);
  const more = start >= 0 && start + query.limit < keyed.length;
  return {
    items: page.map(([, r]) => r),
    nextCursor: more ? encodeCursor(page[page.length - 1][0]) : null,
    counts,
  };
}

const open = (s: string) => (openStatuses as string[]).includes(s);

function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Key | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 4 && key.slice(0, 3).every((n) => typeof n === 'number') && typeof key[3] === 'string') return key as Key;
  } catch {
    // fall through
  }
  return undefined;
}

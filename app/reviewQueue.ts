/**
 * The review queue, most urgent first: higher band, then the SLA that runs out
 * first, then the oldest. Open cases come from the API's open queue, a copy in
 * memory kept current from the small queue entries (app/openQueue.ts: the
 * embedded database cannot serve an ordered page); the page is sorted here and
 * paged with a keyset cursor (stable while cases come and go). Closed statuses
 * are read from the checks themselves, at most 5 000.
 */
import { z } from 'zod';
import { CheckModel } from '../models';
import { statuses, type Status } from '../domain/check';
import { openQueue, type QueueDoc } from './openQueue';

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
const time = (d: Date | string | null | undefined): number | undefined => (d ? new Date(d).getTime() : undefined);
const keyOf = (d: QueueDoc): Key => [-(bandRank[d.band] ?? 0), time(d.slaDueAt) ?? Number.MAX_SAFE_INTEGER, time(d.createdAt)!, d._id];
function compare(a: Key, b: Key): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0;
}

const qualityFlags = new Set(['blurry', 'too_dark', 'overexposed', 'too_small', 'unreadable']);
const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export async function queuePage(query: QueueQuery, me: string) {
  const wanted = query.status ? [query.status] : (['in_review', 'escalated'] as Status[]);
  // Open cases come from this process's open queue (kept current; api/openQueue.ts), closed ones from the checks.
  const [openEntries, closed] = await Promise.all([
    openQueue.entriesOf(openStatuses),
    Promise.all(wanted.filter((s) => !open(s)).map((status) => CheckModel.find({ status }, fields).limit(5000).lean<QueueDoc[]>())),
  ]);
  const counts: Record<string, number> = Object.fromEntries(openStatuses.map((s) => [s, 0]));
  for (const e of openEntries) counts[e.status]++;
  const now = Date.now();
  const claimedBy = (d: QueueDoc) => (d.assignee && d.leaseExpiresAt && new Date(d.leaseExpiresAt).getTime() > now ? d.assignee : null);
  let docs = [...openEntries.filter((e) => wanted.includes(e.status as Status)), ...closed.flat()];
  if (query.band) docs = docs.filter((d) => d.band === query.band);
  if (query.assignee) {
    const who = query.assignee === 'me' ? me : query.assignee;
    docs = docs.filter((d) => (who === 'none' ? claimedBy(d) === null : claimedBy(d) === who));
  }
  if (query.flag === 'duplicate') docs = docs.filter((d) => (d.flags ?? []).includes('duplicate'));
  if (query.flag === 'quality') docs = docs.filter((d) => (d.flags ?? []).some((f) => qualityFlags.has(f)));

  const keyed = docs.map((d) => [keyOf(d), d] as const).sort((a, b) => compare(a[0], b[0]));
  const after = decodeCursor(query.cursor);
  const start = after ? keyed.findIndex(([k]) => compare(k, after) > 0) : 0;
  const page = start < 0 ? [] : keyed.slice(start, start + query.limit);
  const more = start >= 0 && start + query.limit < keyed.length;
  return {
    items: page.map(([, d]): Row => {
      const assignee = claimedBy(d);
      return {
        checkId: d._id,
        orderId: d.orderId,
        status: d.status,
        band: d.band,
        score: d.score,
        amount: d.amount ?? null,
        currency: d.currency ?? null,
        createdAt: iso(d.createdAt)!,
        updatedAt: iso(d.updatedAt)!,
        slaDueAt: iso(d.slaDueAt),
        escalationDueAt: iso(d.escalationDueAt),
        escalationOverdueAt: iso(d.escalationOverdueAt),
        assignee,
        leaseExpiresAt: assignee ? iso(d.leaseExpiresAt) : null,
        documentCount: d.documentCount ?? 0,
        flags: d.flags ?? [],
      };
    }),
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

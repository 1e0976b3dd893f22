/**
 * Reviewer tooling around a case: linked cases, internal notes, search.
 *
 * Every lookup is an equality lookup on an indexed field (the embedded database
 * serves nothing else from its indexes): the check's `links` (keyed pseudonyms
 * of its card fingerprint, e-mail, device, IP, shipping address, customer id,
 * BIN + last 4; activities/scoring.ts `linkKeys`), the documents' `sha256` and
 * perceptual-hash bands, `orderId` and `_id`. Nothing reads all checks; each
 * lookup is capped, and an answer that reached a cap says so (`capped`).
 *
 * Notes are append-only records (never edited, never sent to the customer or
 * in a webhook) and audited in the case's chain, their text as free text that
 * the retention purge destroys with the note's own.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fulfilmentOf, type Status } from '../domain/check';
import { appendAudit } from '../activities/audit';
import { NEAR_DUPLICATE_DISTANCE } from '../activities/documents';
import { cardNumberValue, linkKey, normaliseEmail, type LinkKind } from '../activities/scoring';
import { hammingDistance, phashBands } from '../documents/image';
import { CheckModel, DocumentModel, NoteModel } from '../models';
import { refuse } from '../domain/errors';
import { permit, type Reviewer } from './review';

/** Checks one lookup returns at most (a shared carrier IP must not read thousands). */
export const LINK_CAP = 50;

/** What linking by a BIN + last 4 would over-match (many cards share them): searched, never linked. */
const LINKED_BY: readonly LinkKind[] = ['card', 'email', 'device', 'ip', 'shippingAddress', 'customer'];

export type LinkReason = LinkKind | 'document';

const summaryFields = { orderId: 1, status: 1, score: 1, band: 1, amount: 1, currency: 1, createdAt: 1, purgedAt: 1, outcomes: 1 } as const;

export interface CaseSummary {
  checkId: string;
  orderId: string;
  status: Status;
  fulfilment: string;
  score: number;
  band: string;
  amount: number | null;
  currency: string | null;
  createdAt: string;
  purged: boolean;
  /** Outcomes recorded for the order (chargebacks, confirmed fraud…), when the read model holds them. */
  outcomes: unknown[];
}

function summary(r: Record<string, any>): CaseSummary {
  return {
    checkId: r._id,
    orderId: r.orderId,
    status: r.status,
    fulfilment: fulfilmentOf(r.status),
    score: r.score,
    band: r.band,
    amount: r.amount ?? null,
    currency: r.currency ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    purged: Boolean(r.purgedAt),
    outcomes: Array.isArray(r.outcomes) ? r.outcomes : [],
  };
}

export interface LinkedCase extends CaseSummary {
  /** What it shares with this case. */
  shared: LinkReason[];
}

export async function linkedCases(checkId: string, reviewer: Reviewer): Promise<{ items: LinkedCase[]; capped: boolean }> {
  permit(reviewer, 'case.read');
  const record = await CheckModel.findById(checkId, { links: 1 }).lean();
  if (!record) throw refuse.notFound(`case ${checkId}`);
  const found = new Map<string, { record: Record<string, any>; shared: Set<LinkReason> }>();
  let capped = false;
  const note = (r: Record<string, any>, why: LinkReason) => {
    if (r._id === checkId) return;
    const entry = found.get(r._id) ?? { record: r, shared: new Set<LinkReason>() };
    entry.shared.add(why);
    found.set(r._id, entry);
  };

  const keys = (record.links ?? []).filter((k) => LINKED_BY.includes(k.slice(0, k.indexOf(':')) as LinkKind));
  const byKey = await Promise.all(keys.map((key) => CheckModel.find({ links: key }, summaryFields).limit(LINK_CAP + 1).lean()));
  keys.forEach((key, i) => {
    if (byKey[i].length > LINK_CAP) capped = true;
    for (const r of byKey[i].slice(0, LINK_CAP)) note(r, key.slice(0, key.indexOf(':')) as LinkKind);
  });

  // Documents: the same file (SHA-256) or a near copy (a perceptual-hash band in common, then the distance).
  const docs = await DocumentModel.find({ checkId }, { sha256: 1, phash: 1 }).lean();
  const docChecks = new Set<string>();
  for (const d of docs) {
    const [exact, near] = await Promise.all([
      d.sha256 ? DocumentModel.find({ sha256: d.sha256 }, { checkId: 1 }).limit(LINK_CAP).lean() : [],
      d.phash ? Promise.all(phashBands(d.phash).map((band) => DocumentModel.find({ phashBands: band }, { checkId: 1, phash: 1 }).limit(LINK_CAP).lean())) : [],
    ]);
    for (const other of exact) if (other.checkId !== checkId) docChecks.add(other.checkId);
    for (const other of near.flat()) {
      if (other.checkId !== checkId && other.phash && hammingDistance(d.phash!, other.phash) <= NEAR_DUPLICATE_DISTANCE) docChecks.add(other.checkId);
    }
  }
  // One `_id` lookup each: `$in` is not index-served on the embedded database.
  for (const r of await Promise.all([...docChecks].slice(0, LINK_CAP).map((id) => CheckModel.findById(id, summaryFields).lean()))) {
    if (r) note(r, 'document');
  }
  if (docChecks.size > LINK_CAP) capped = true;

  const items = [...found.values()]
    .map(({ record: r, shared }) => ({ ...summary(r), shared: [...shared].sort() }))
    .sort((a, b) => b.shared.length - a.shared.length || b.createdAt.localeCompare(a.createdAt));
  return { items, capped };
}

// ---- notes ------------------------------------------------------------------

export const noteRequestSchema = z.object({ text: z.string().trim().min(1, 'a note needs text').max(4000) });

export interface NoteView {
  noteId: string;
  checkId: string;
  author: { id: string; role: string };
  /** null once the retention purge destroyed it. */
  text: string | null;
  createdAt: string;
}

function presentNote(n: Record<string, any>): NoteView {
  return { noteId: n._id, checkId: n.checkId, author: { id: n.author.id, role: n.author.role }, text: n.text ?? null, createdAt: new Date(n.createdAt).toISOString() };
}

export async function addNote(checkId: string, text: string, reviewer: Reviewer): Promise<NoteView> {
  permit(reviewer, 'case.note');
  const record = await CheckModel.findById(checkId, { purgedAt: 1 }).lean();
  if (!record) throw refuse.notFound(`case ${checkId}`);
  if (record.purgedAt) throw refuse.invalidState("this case's personal data was purged: no new notes");
  const noteId = `note_${randomBytes(12).toString('base64url')}`;
  const createdAt = new Date();
  // Audited first; the text is the entry's free text (committed to by the chain, destroyed by the purge).
  await appendAudit({ checkId, at: createdAt.toISOString(), actor: { type: 'reviewer', id: reviewer.id, role: reviewer.role }, action: 'note.added', detail: { noteId, reason: text } });
  const note = await NoteModel.create({ _id: noteId, checkId, author: { id: reviewer.id, role: reviewer.role }, text, createdAt });
  return presentNote(note.toObject());
}

export async function listNotes(checkId: string, reviewer: Reviewer): Promise<{ items: NoteView[] }> {
  permit(reviewer, 'case.read');
  if (!(await CheckModel.exists({ _id: checkId }))) throw refuse.notFound(`case ${checkId}`);
  const notes = await NoteModel.find({ checkId }).lean();
  return { items: notes.map(presentNote).sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
}

// ---- search -----------------------------------------------------------------

export const searchQuerySchema = z
  .object({
    orderId: z.string().trim().min(1).max(200).optional(),
    checkId: z.string().trim().min(1).max(60).optional(),
    email: z.string().trim().min(3).max(320).regex(/@/, 'not an e-mail address').optional(),
    bin: z.string().trim().regex(/^\d{6,8}$/, 'a BIN is 6 to 8 digits').optional(),
    last4: z.string().trim().regex(/^\d{4}$/, 'last 4 is 4 digits').optional(),
  })
  .refine((q) => Boolean(q.bin) === Boolean(q.last4), { message: 'a card is searched by its BIN and last 4 together', path: ['last4'] })
  .refine((q) => [q.orderId, q.checkId, q.email, q.bin].filter(Boolean).length === 1, { message: 'search by exactly one of orderId, checkId, email, or bin + last4' });
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export async function searchCases(secret: Buffer, query: SearchQuery, reviewer: Reviewer): Promise<{ items: CaseSummary[]; capped: boolean }> {
  permit(reviewer, 'case.read');
  let records: Record<string, any>[];
  if (query.checkId) records = [await CheckModel.findById(query.checkId, summaryFields).lean()].filter(Boolean) as Record<string, any>[];
  else if (query.orderId) records = [await CheckModel.findOne({ orderId: query.orderId }, summaryFields).lean()].filter(Boolean) as Record<string, any>[];
  else {
    const key = query.email ? linkKey(secret, 'email', normaliseEmail(query.email)) : linkKey(secret, 'cardNumber', cardNumberValue(query.bin!, query.last4!));
    records = await CheckModel.find({ links: key }, summaryFields).limit(LINK_CAP + 1).lean();
  }
  const items = records.slice(0, LINK_CAP).map(summary).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { items, capped: records.length > LINK_CAP };
}

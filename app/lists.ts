/**
 * The block and allow lists, as use cases (API.md, "Lists"): add (idempotent),
 * list (paged), delete, import and export; the lookup a new check is scored
 * with; and the block a reviewer's reject asks for.
 *
 * Values are never stored nor echoed: an entry is a keyed pseudonym of the
 * normalised value (`<type>:<HMAC(PSEUDONYM_SECRET, …)>`) and a masked hint.
 * Concurrency (FerretDB holds unique inserts, nothing else): `_id` derives from
 * list, type and pseudonym, so of concurrent adds of one value exactly one
 * inserts and the others answer with it; an entry is never updated.
 *
 * Audit: each entry has a hash chain of its own (`list:<entryId>`: added,
 * deleted, added again …): an append costs one small chain's read, whatever the
 * size of the lists. An add is audited after its insert and a delete before its
 * delete, each with an idempotency key, so a retry after a crash between the two
 * writes completes the pair instead of doubling it.
 */
import { createHmac } from 'node:crypto';
import type { Actor } from '../domain/check';
import { listHint, listNames, newEntrySchema, normaliseListValue, orderListValues, orderValueOf, type ListName, type ListType, type NewEntry } from '../domain/lists';
import type { Order } from '../domain/order';
import type { ListHit } from '../scoring/types';
import { pseudonym } from '../lib/crypto';
import { appendAudit } from '../activities/audit';
import { isDuplicateKey } from '../models';
import { ListEntryModel, type ListEntryRecord } from '../models/listEntry';
import { refuse, type Refusal } from '../domain/errors';

export { listNames, type ListName };

/** An entry as the API shows it (API.md): never the value. */
export interface ListEntryView {
  id: string;
  list: ListName;
  type: ListType;
  hint: string;
  reason: string;
  createdBy: Actor;
  createdAt: string;
  expiresAt: string | null;
  checkId?: string;
}

export const MAX_PAGE = 200;
/** Rows one import may carry: bounded time and memory, one file at a time. */
export const MAX_IMPORT_ROWS = 10_000;

/** The lookup key of a normalised value: what entries and outcome marks are filed under. */
export function identifierKey(secret: Buffer, type: ListType, normalised: string): string {
  return `${type}:${pseudonym(secret, `list:${type}`, normalised)}`;
}

/** An entry's id: the same list, type and value always get the same one (the unique `_id` is the guard). */
export function entryId(secret: Buffer, list: ListName, key: string): string {
  return `ent_${createHmac('sha256', secret).update(`list-entry\0${list}\0${key}`).digest('base64url').slice(0, 24)}`;
}

const auditChain = (id: string) => `list:${id}`;

function present(e: ListEntryRecord): ListEntryView {
  return {
    id: e._id,
    list: e.list as ListName,
    type: e.type as ListType,
    hint: e.hint,
    reason: e.reason,
    createdBy: { type: e.createdBy.type as Actor['type'], ...(e.createdBy.id ? { id: e.createdBy.id } : {}), ...(e.createdBy.role ? { role: e.createdBy.role } : {}) } as Actor,
    createdAt: e.createdAt.toISOString(),
    expiresAt: e.expiresAt ? e.expiresAt.toISOString() : null,
    ...(e.checkId ? { checkId: e.checkId } : {}),
  };
}

const expired = (e: Pick<ListEntryRecord, 'expiresAt'>, now: number) => Boolean(e.expiresAt && e.expiresAt.getTime() <= now);

/** A value that cannot be an entry: `400 invalid_request` naming the field and why. */
function invalidValue(problem: string, path: (string | number)[] = ['value']): Refusal {
  return refuse.invalidRequest(`value: ${problem}`, [{ path, message: problem }]);
}

export interface AddOptions {
  /** The case whose reject put the value there. */
  checkId?: string;
  now?: Date;
}

export function createListService(secret: Buffer) {
  /** What an accepted new entry will hold (validated, normalised, pseudonymised); throws 400 otherwise. */
  function prepare(list: ListName, input: NewEntry, now: Date) {
    const n = normaliseListValue(input.type, input.value);
    if (!n.ok) throw invalidValue(n.problem);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) throw invalidValue('must be in the future', ['expiresAt']);
    const key = identifierKey(secret, input.type, n.value);
    return { _id: entryId(secret, list, key), list, type: input.type, key, hint: listHint(input.type, n.value), reason: input.reason, expiresAt };
  }

  async function auditAdded(e: ListEntryRecord): Promise<void> {
    await appendAudit(
      {
        checkId: auditChain(e._id),
        at: e.createdAt.toISOString(),
        actor: present(e).createdBy,
        action: 'list.entry_added',
        detail: { list: e.list, type: e.type, hint: e.hint, expiresAt: e.expiresAt?.toISOString() ?? null, reason: e.reason, ...(e.checkId ? { caseId: e.checkId } : {}) },
      },
      { idempotencyKey: `added:${e.createdAt.toISOString()}` },
    );
  }

  /**
   * Adds a value (idempotent): `created: false` with the existing entry when the
   * same list, type and value is already there and not expired. An expired one is
   * replaced (deleted, then inserted again: of concurrent re-adds one insert wins).
   */
  async function add(list: ListName, input: NewEntry, actor: Actor, options: AddOptions = {}): Promise<{ entry: ListEntryView; created: boolean }> {
    const now = options.now ?? new Date();
    const fields = prepare(list, input, now);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await ListEntryModel.findById(fields._id).lean<ListEntryRecord>();
      if (existing && !expired(existing, now.getTime())) {
        await auditAdded(existing); // a no-op unless an earlier add stopped between its insert and its audit
        return { entry: present(existing), created: false };
      }
      if (existing) {
        await auditRemoval(existing, { type: 'system' }, 'list.entry_expired');
        await ListEntryModel.deleteOne({ _id: existing._id, createdAt: existing.createdAt });
      }
      const record: ListEntryRecord = {
        ...fields,
        createdBy: actor,
        createdAt: now,
        ...(options.checkId ? { checkId: options.checkId } : {}),
      };
      try {
        await ListEntryModel.create(record);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue; // a concurrent add of the same value won: answer with it
      }
      await auditAdded(record);
      return { entry: present(record), created: true };
    }
    throw refuse.unavailable('the entry is being changed by others; retry', 1);
  }

  async function auditRemoval(e: ListEntryRecord, actor: Actor, action: 'list.entry_deleted' | 'list.entry_expired'): Promise<void> {
    await appendAudit(
      { checkId: auditChain(e._id), at: new Date().toISOString(), actor, action, detail: { list: e.list, type: e.type, hint: e.hint } },
      { idempotencyKey: `removed:${e.createdAt.toISOString()}` },
    );
  }

  /** Deletes an entry (audited first); `false` when there is none by that id on that list. */
  async function remove(list: ListName, id: string, actor: Actor): Promise<boolean> {
    const existing = await ListEntryModel.findById(id).lean<ListEntryRecord>();
    if (!existing || existing.list !== list) return false;
    await auditRemoval(existing, actor, 'list.entry_deleted');
    await ListEntryModel.deleteOne({ _id: existing._id, createdAt: existing.createdAt });
    return true;
  }

  /**
   * A page of a list, newest first. The cursor is the last entry's `createdAt|id`.
   * (The embedded database sorts in memory: a page costs the list's size, fine
   * for lists of tens of thousands of entries.)
   */
  async function page(list: ListName, query: { type?: ListType; limit: number; cursor?: string; includeExpired?: boolean }, now = new Date()) {
    const filter: Record<string, unknown> = { list };
    if (query.type) filter.type = query.type;
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
    }
    if (!query.includeExpired) filter.$and = [{ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] }];
    const rows = await ListEntryModel.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<ListEntryRecord[]>();
    const items = rows.slice(0, query.limit).map(present);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor(last.createdAt, last._id) : null };
  }

  /**
   * What of an order is on each list (types, never values): one equality lookup
   * per value of the order on `key`, which finds its entries of both lists.
   */
  async function hits(order: Order, now = Date.now()): Promise<{ block: ListHit[]; allow: ListHit[] }> {
    const values = orderListValues(order);
    const found = await Promise.all(
      values.map((v) => ListEntryModel.find({ key: identifierKey(secret, v.type, v.value) }, { list: 1, type: 1, expiresAt: 1 }).limit(4).lean()),
    );
    const block = new Set<ListHit>();
    const allow = new Set<ListHit>();
    for (const entries of found) {
      for (const e of entries) {
        if (expired(e as Pick<ListEntryRecord, 'expiresAt'>, now)) continue;
        (e.list === 'block' ? block : allow).add(e.type as ListHit);
      }
    }
    return { block: [...block].sort(), allow: [...allow].sort() };
  }

  /**
   * A reviewer's reject with `block`: the order's values of those types go on the
   * block list, the reason pointing at the case (the reviewer's reason stays with the case). Types the order has no value of
   * are skipped. Idempotent (a retried activity finds the entries there).
   */
  async function blockOrderValues(input: { checkId: string; order: Order; types: ListType[]; actor: Actor; at: string }): Promise<ListType[]> {
    const done: ListType[] = [];
    for (const type of [...new Set(input.types)]) {
      const value = type === 'shipping_address' ? input.order.shippingAddress : orderValueOf(input.order, type);
      if (!value || (type === 'shipping_address' && !normaliseListValue(type, value).ok)) continue;
      // Not the reviewer's own words: free text about a case is destroyed with it at retention, an entry outlives it.
      const reason = `rejected on case ${input.checkId}`;
      await add('block', { type, value: value as NewEntry['value'], reason }, input.actor, { checkId: input.checkId, now: new Date(input.at) });
      done.push(type);
    }
    return done;
  }

  return { add, remove, page, hits, blockOrderValues };
}

export type ListService = ReturnType<typeof createListService>;

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): [Date, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const time = new Date(at ?? '');
  if (!id || !/^ent_[A-Za-z0-9_-]{1,40}$/.test(id) || Number.isNaN(time.getTime())) {
    throw refuse.invalidRequest('cursor: not a cursor of this list', [{ path: ['cursor'], message: 'not a cursor of this list' }]);
  }
  return [time, id];
}

export { newEntrySchema };

/**
 * Appending to, reading and purging a check's audit trail (domain/audit.ts) in
 * the database (models/audit.ts). Plain async functions: the API calls them for
 * document views and claims, the worker registers them as activities. Each
 * process sets the chain's key once, from AUDIT_SECRET (`configureAudit`).
 *
 * Concurrency: no transactions and no safe read-modify-write on FerretDB, so an
 * append reads the chain's tail, builds the next entry and inserts it with
 * `_id` = `<checkId>:<seq>`. Two writers that read the same tail collide on
 * that `_id` (E11000); the loser re-reads the new tail and tries the next seq.
 * The chain therefore never forks and never has gaps.
 *
 * Idempotency (`{ idempotencyKey }`): a unique index on a `key` field cannot be
 * used (FerretDB ignores `sparse` and has no partial indexes, so every entry
 * without a key would collide on null), and a key-derived `_id` would give up
 * the seq guard. Instead the key is stored, unindexed, on the entry, and every
 * append attempt — which reads all of the check's entries anyway to find the
 * tail — first looks for an entry with that key and returns it if found. This
 * is exact for the retry that follows a finished attempt (a Temporal activity
 * retry, a client resend). For two concurrent appends with one key: both cannot
 * take the same seq (the `_id` guard), and the loser's re-read sees the
 * winner's entry; the one remaining gap is a database whose single find is not
 * a snapshot and misses an older entry while seeing a newer one (not the case
 * for FerretDB on PostgreSQL, where one query is one snapshot).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import {
  auditKey,
  KEYED,
  nextEntry,
  presentEntry,
  PURGE_ACTION,
  redactEntry,
  verifyChain,
  type AuditEntry,
  type AuditFields,
  type AuditKey,
  type ChainVerdict,
  type PresentedAuditEntry,
} from '../domain/audit';
import { AuditModel, auditId } from '../models/audit';
import { isDuplicateKey } from '../models';

export const MAX_APPEND_ATTEMPTS = 20;

let chainKey: AuditKey | undefined;

/** Sets the key of every chain this process writes and verifies (AUDIT_SECRET). */
export function configureAudit(secret: Buffer): void {
  chainKey = auditKey(secret);
}

function currentKey(): AuditKey {
  if (!chainKey) throw new Error('the audit key is not set: call configureAudit(config.auditSecret) at start');
  return chainKey;
}

export interface AppendOptions {
  /** Same key on the same check → the entry appended the first time, not a second one. */
  idempotencyKey?: string;
}

interface StoredAudit extends AuditEntry {
  _id: string;
  key?: string;
}

function toEntry(doc: StoredAudit): AuditEntry {
  const { checkId, seq, at, actor, action, detail, freeText, freeTextSalt, freeTextCommitment, redacted, chain, keyId, prevHash, hash } = doc;
  const plainActor = { type: actor.type, ...(actor.id != null ? { id: actor.id } : {}), ...(actor.role != null ? { role: actor.role } : {}) };
  return {
    checkId,
    seq,
    at,
    actor: plainActor,
    action,
    detail: detail ?? {},
    ...(freeText != null ? { freeText } : {}),
    ...(freeTextSalt != null ? { freeTextSalt } : {}),
    ...(freeTextCommitment != null ? { freeTextCommitment } : {}),
    ...(redacted?.length ? { redacted } : {}),
    ...(chain != null ? { chain } : {}),
    ...(keyId != null ? { keyId } : {}),
    prevHash,
    hash,
  };
}

export async function appendAudit(fields: AuditFields, options: AppendOptions = {}): Promise<AuditEntry> {
  const k = currentKey();
  const idempotencyKey = options.idempotencyKey;
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 200)) {
    throw new TypeError('idempotencyKey must be a non-empty string of at most 200 characters');
  }
  for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
    // Only top-level equality is index-served, and sorts are not pushed down: read the (small) set, pick the tail here.
    const heads = await AuditModel.find({ checkId: fields.checkId }, { seq: 1, hash: 1, key: 1 })
      .lean<Array<{ _id: string; seq: number; hash: string; key?: string }>>()
      .exec();
    if (idempotencyKey !== undefined) {
      const earlier = heads.find((h) => h.key === idempotencyKey);
      if (earlier) {
        const doc = await AuditModel.findById(earlier._id).lean<StoredAudit>().exec();
        if (doc) return toEntry(doc);
      }
    }
    let tail: { seq: number; hash: string } | undefined;
    for (const h of heads) if (!tail || h.seq > tail.seq) tail = h;
    const entry = nextEntry(tail && { checkId: fields.checkId, seq: tail.seq, hash: tail.hash }, fields, k);
    try {
      await AuditModel.create({ _id: auditId(entry.checkId, entry.seq), ...entry, ...(idempotencyKey !== undefined ? { key: idempotencyKey } : {}) });
      return entry;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another writer took this seq: back off a little (more with each collision) and read the new tail.
      await sleep(Math.floor(Math.random() * 5 * attempt));
    }
  }
  throw new Error(`could not append to the audit trail of ${fields.checkId}: ${MAX_APPEND_ATTEMPTS} concurrent writers won first`);
}

/**
 * The first entry of a new check's chain, without reading the chain first (the
 * decision path: one database round trip fewer). Its `_id` is seq 0's, so if
 * anything is there already (a retried decision) the insert collides and this
 * falls back to `appendAudit`, which finds the entry by its key.
 */
export async function appendFirstAudit(input: AuditEventInput & { eventId: string }): Promise<void> {
  const { eventId, ...fields } = input;
  const key = `event:${eventId}`;
  const entry = nextEntry(undefined, fields, currentKey());
  try {
    await AuditModel.create({ _id: auditId(entry.checkId, entry.seq), ...entry, key });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await appendAudit(fields, { idempotencyKey: key });
  }
}

/** A check's audit trail in chain order, as stored (verify it with `verifyChain`). */
export async function readAudit(checkId: string): Promise<AuditEntry[]> {
  const docs = await AuditModel.find({ checkId }).lean<StoredAudit[]>().exec();
  return docs.map(toEntry).sort((a, b) => a.seq - b.seq);
}

/** A check's audit trail as the API shows it, and whether it verifies under this process's key. */
export async function auditTrail(checkId: string): Promise<{ entries: PresentedAuditEntry[]; verification: ChainVerdict }> {
  const entries = await readAudit(checkId);
  return { entries: entries.map(presentEntry), verification: verifyChain(entries, currentKey()) };
}

/**
 * The retention purge's part: a keyed `case.purged` entry first (once, however
 * often the purge runs; it is what allows free text to be missing), then every
 * entry's free text and salt deleted. Safe to repeat and to resume. Returns how
 * many entries lost free text this time.
 */
export async function purgeAuditText(checkId: string, detail: Record<string, unknown> = {}): Promise<number> {
  await appendAudit({ checkId, at: new Date().toISOString(), actor: { type: 'system' }, action: PURGE_ACTION, detail }, { idempotencyKey: PURGE_ACTION });
  let redacted = 0;
  for (const entry of await readAudit(checkId)) {
    const after = redactEntry(entry);
    if (after === entry) continue;
    const update =
      entry.chain === KEYED
        ? { $unset: { freeText: 1, freeTextSalt: 1 }, $set: { redacted: after.redacted } }
        : { $set: { detail: after.detail, redacted: after.redacted } };
    await AuditModel.updateOne({ _id: auditId(checkId, entry.seq) }, update);
    redacted++;
  }
  return redacted;
}

/**
 * Appends a keyed `audit.sealed` entry to every chain whose last entry is
 * unkeyed (written before AUDIT_SECRET), so the key vouches for it from now on
 * (`npm run audit:seal`, once after upgrading). Returns the sealed check ids.
 */
export async function sealUnkeyedChains(): Promise<string[]> {
  const tails = new Map<string, { seq: number; keyed: boolean }>();
  const cursor = AuditModel.find({}, { checkId: 1, seq: 1, chain: 1 }).lean<{ checkId: string; seq: number; chain?: string }>().cursor();
  for await (const e of cursor) {
    const tail = tails.get(e.checkId);
    if (!tail || e.seq > tail.seq) tails.set(e.checkId, { seq: e.seq, keyed: e.chain === KEYED });
  }
  const sealed: string[] = [];
  for (const [checkId, tail] of tails) {
    if (tail.keyed) continue;
    await appendAudit(
      { checkId, at: new Date().toISOString(), actor: { type: 'system' }, action: 'audit.sealed', detail: { unkeyedThrough: tail.seq } },
      { idempotencyKey: 'audit.sealed' },
    );
    sealed.push(checkId);
  }
  return sealed;
}

/**
 * The idempotency key of the running activity, stable across its retries:
 * `<runId>/<activityId>`. Undefined outside an activity (an API call).
 */
function activityKey(): string | undefined {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    return workflowExecution ? `${workflowExecution.runId}/${activityId}` : undefined;
  } catch {
    return undefined;
  }
}

export type AuditEventInput = AuditFields & {
  /** A stable id of the event (e.g. the webhook event id `<checkId>.<timeline seq>`): the idempotency key. */
  eventId?: string;
};

/**
 * The workflow's activity: appends once however often Temporal retries it. The
 * key is `eventId` when given, else the activity's own `<runId>/<activityId>`.
 * Answers where the entry went, not the entry: its free text and salt stay out
 * of Temporal's history.
 */
export async function auditEvent(input: AuditEventInput): Promise<Pick<AuditEntry, 'checkId' | 'seq' | 'hash'>> {
  const { eventId, ...fields } = input;
  const key = eventId !== undefined ? `event:${eventId}` : activityKey();
  const { checkId, seq, hash } = await appendAudit(fields, key !== undefined ? { idempotencyKey: key } : {});
  return { checkId, seq, hash };
}

/**
 * The workflow's local activity since `local-writes`: the entries of one workflow activation (a
 * decision's own entry and its transition's), appended in order after one read of the chain, each
 * once however often it is retried (every entry carries an `eventId`). Another writer taking a seq
 * meanwhile sends the rest the one-by-one way.
 */
export async function auditEvents(inputs: Array<AuditEventInput & { eventId: string }>): Promise<Array<Pick<AuditEntry, 'checkId' | 'seq' | 'hash'>>> {
  if (inputs.length === 0) return [];
  const checkId = inputs[0].checkId;
  if (inputs.some((i) => i.checkId !== checkId)) throw new TypeError('auditEvents: entries of one check at a time');
  const k = currentKey();
  const heads = await AuditModel.find({ checkId }, { seq: 1, hash: 1, key: 1 })
    .lean<Array<{ _id: string; seq: number; hash: string; key?: string }>>()
    .exec();
  const byKey = new Map(heads.filter((h) => h.key !== undefined).map((h) => [h.key!, h]));
  let tail: { seq: number; hash: string } | undefined;
  for (const h of heads) if (!tail || h.seq > tail.seq) tail = h;
  const written: Array<Pick<AuditEntry, 'checkId' | 'seq' | 'hash'>> = [];
  for (const [i, { eventId, ...fields }] of inputs.entries()) {
    const key = `event:${eventId}`;
    const earlier = byKey.get(key);
    if (earlier) {
      written.push({ checkId, seq: earlier.seq, hash: earlier.hash });
      continue;
    }
    const entry = nextEntry(tail && { checkId, seq: tail.seq, hash: tail.hash }, fields, k);
    try {
      await AuditModel.create({ _id: auditId(checkId, entry.seq), ...entry, key });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      for (const rest of inputs.slice(i)) written.push(await auditEvent(rest));
      return written;
    }
    tail = entry;
    written.push({ checkId, seq: entry.seq, hash: entry.hash });
  }
  return written;
}

/** The activities object for the worker, whose chains `secret` (AUDIT_SECRET) keys: the workflow calls `auditEvent` only. */
export function createAuditActivities(secret: Buffer) {
  configureAudit(secret);
  return { auditEvent, auditEvents };
}

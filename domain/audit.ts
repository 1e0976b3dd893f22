/**
 * The audit trail of a check as a keyed hash chain (pure; no I/O). Each entry
 * carries the hash of the one before it, and its own hash: an HMAC-SHA256,
 * under AUDIT_SECRET (which never enters the database), of a canonical JSON of
 * its other fields. Deleting, reordering or editing an entry breaks the chain
 * at that entry, and so does rewriting the whole chain without the key.
 *
 * Free text (a reviewer's or the shop's `reason`) is personal data that the
 * retention purge destroys, so it stays out of the hash: the chain covers a
 * commitment to it, HMAC-SHA256 under a random salt stored beside the text.
 * The purge deletes text and salt; the commitment stays, the chain still
 * verifies, and without the salt the commitment says nothing about the text
 * (not even to whoever holds AUDIT_SECRET).
 *
 * Entries written before the chain was keyed ("unkeyed": plain SHA-256, the
 * reason inside `detail`) still read and verify by their SHA-256, but anyone
 * can recompute that, so they count only when a keyed entry follows them (its
 * HMAC covers their hashes through `prevHash`): a chain that ends unkeyed does
 * not verify. `npm run audit:seal` appends such a keyed entry to old chains.
 *
 * Storage: models/audit.ts; appending and purging: activities/audit.ts.
 * Unit-tested in test/unit/audit.test.ts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJson, safeEqual, sha256Hex } from '../lib/crypto';

export interface AuditActor {
  type: string;
  id?: string;
  role?: string;
}

/** The one keyed scheme; entries without it were written before the chain was keyed. */
export const KEYED = 'hmac-sha256';

/** Keys of `detail` holding free text: kept out of the hash, destroyed by the purge. */
export const FREE_TEXT_KEYS = ['reason'] as const;

/** The action of the entry the retention purge appends before it destroys the free text. */
export const PURGE_ACTION = 'case.purged';

export interface AuditEntry {
  checkId: string;
  /** 1, 2, 3, … per check, without gaps. */
  seq: number;
  /** ISO 8601, kept as the exact string so the hash recomputes. */
  at: string;
  actor: AuditActor;
  /** e.g. `document.viewed`, `case.claimed`, `decision.approve`, `status.changed`, `case.purged`. */
  action: string;
  /** JSON data only, never PII: ids, variants, from/to statuses. Hashed, kept for ever. */
  detail: Record<string, unknown>;
  /** Free text (`reason`): not hashed itself; gone after the purge. */
  freeText?: Record<string, string>;
  /** base64url, 32 random bytes: the key of `freeTextCommitment`; destroyed with the text. */
  freeTextSalt?: string;
  /** hex HMAC-SHA256(salt, canonical JSON of `freeText`): hashed, kept for ever. */
  freeTextCommitment?: string;
  /** Which free-text keys the purge destroyed (not hashed). */
  redacted?: string[];
  /** `hmac-sha256` when keyed; absent on entries written before the chain was keyed. */
  chain?: typeof KEYED;
  /** Which AUDIT_SECRET keyed it (a fingerprint, not the key). */
  keyId?: string;
  prevHash: string;
  hash: string;
}

/** What a writer supplies; free text may sit in `detail` under FREE_TEXT_KEYS and is moved out. */
export interface AuditFields {
  checkId: string;
  at: string;
  actor: AuditActor;
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditKey {
  secret: Buffer;
  /** Stored on each keyed entry, so a wrong or rotated AUDIT_SECRET is named as such. */
  id: string;
}

export function auditKey(secret: Buffer): AuditKey {
  if (!Buffer.isBuffer(secret) || secret.length < 16) throw new TypeError('the audit key must be at least 16 bytes');
  return { secret, id: createHmac('sha256', secret).update('audit key id').digest('hex').slice(0, 16) };
}

/** The `prevHash` of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of a keyed entry, and only those: free text, salt, `redacted`, a stored `_id` never enter. */
function keyedFields(entry: Omit<AuditEntry, 'hash'>) {
  const { checkId, seq, at, actor, action, detail, freeTextCommitment, chain, keyId, prevHash } = entry;
  return { checkId, seq, at, actor, action, detail, freeTextCommitment, chain, keyId, prevHash };
}

/** The hash of an entry written before the chain was keyed: SHA-256 of the canonical JSON of these fields. */
export function unkeyedHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { checkId, seq, at, actor, action, detail, prevHash } = entry;
  return sha256Hex(canonicalJson({ checkId, seq, at, actor, action, detail, prevHash }));
}

/** HMAC-SHA256 hex under the audit key over the canonical JSON (keys sorted at every level) of the hashed fields. */
export function keyedHash(entry: Omit<AuditEntry, 'hash'>, key: AuditKey): string {
  return createHmac('sha256', key.secret).update(canonicalJson(keyedFields(entry))).digest('hex');
}

/** The commitment to an entry's free text: hiding without the salt, binding with it. */
export function commitFreeText(freeText: Record<string, string>, salt: string): string {
  return createHmac('sha256', Buffer.from(salt, 'base64url')).update(canonicalJson(freeText)).digest('hex');
}

/**
 * Plain JSON, exactly as it will read back from the database: a Date becomes
 * its ISO string, undefined members disappear. Hashing what is stored, not
 * what was passed, keeps the hash recomputable.
 */
function plainJson(value: Record<string, unknown>): Record<string, unknown> {
  const copy: unknown = JSON.parse(JSON.stringify(value ?? {}));
  if (!copy || typeof copy !== 'object' || Array.isArray(copy)) throw new TypeError('audit detail must be a JSON object');
  return copy as Record<string, unknown>;
}

function plainActor(actor: AuditActor): AuditActor {
  if (!actor || typeof actor.type !== 'string' || !actor.type) throw new TypeError('audit actor needs a type');
  return {
    type: actor.type,
    ...(actor.id !== undefined ? { id: String(actor.id) } : {}),
    ...(actor.role !== undefined ? { role: String(actor.role) } : {}),
  };
}

/** Splits the free text (string values under FREE_TEXT_KEYS) out of a detail. */
function splitFreeText(detail: Record<string, unknown>): { detail: Record<string, unknown>; freeText?: Record<string, string> } {
  const rest = { ...detail };
  const freeText: Record<string, string> = {};
  for (const k of FREE_TEXT_KEYS) {
    if (typeof rest[k] === 'string') {
      freeText[k] = rest[k];
      delete rest[k];
    }
  }
  return Object.keys(freeText).length > 0 ? { detail: rest, freeText } : { detail: rest };
}

/**
 * The keyed entry that follows `prev` (or starts the chain when `prev` is
 * undefined). `salt` is for tests; a fresh random one is drawn otherwise.
 */
export function nextEntry(
  prev: Pick<AuditEntry, 'checkId' | 'seq' | 'hash'> | undefined,
  fields: AuditFields,
  key: AuditKey,
  salt?: string,
): AuditEntry {
  if (typeof fields.checkId !== 'string' || !fields.checkId) throw new TypeError('audit entry needs a checkId');
  if (prev && prev.checkId !== fields.checkId) throw new Error(`audit chain of ${prev.checkId} cannot continue with ${fields.checkId}`);
  if (typeof fields.at !== 'string' || Number.isNaN(Date.parse(fields.at))) throw new TypeError('audit entry `at` must be an ISO date string');
  if (typeof fields.action !== 'string' || !fields.action) throw new TypeError('audit entry needs an action');
  const { detail, freeText } = splitFreeText(plainJson(fields.detail));
  const textSalt = freeText ? (salt ?? randomBytes(32).toString('base64url')) : undefined;
  const unhashed: Omit<AuditEntry, 'hash'> = {
    checkId: fields.checkId,
    seq: prev ? prev.seq + 1 : 1,
    at: fields.at,
    actor: plainActor(fields.actor),
    action: fields.action,
    detail,
    ...(freeText ? { freeText, freeTextSalt: textSalt, freeTextCommitment: commitFreeText(freeText, textSalt!) } : {}),
    chain: KEYED,
    keyId: key.id,
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return { ...unhashed, hash: keyedHash(unhashed, key) };
}

/**
 * What the retention purge leaves of an entry: its free text and salt gone
 * (keyed entries), or the free text taken out of `detail` (unkeyed ones, which
 * then verify by their links only), and the keys it destroyed in `redacted`.
 * Unchanged (the same object) when there is nothing left to destroy.
 */
export function redactEntry(entry: AuditEntry): AuditEntry {
  if (entry.chain === KEYED) {
    if (!entry.freeText && !entry.freeTextSalt) return entry;
    const { freeText, freeTextSalt: _salt, ...rest } = entry;
    return { ...rest, redacted: [...new Set([...(entry.redacted ?? []), ...Object.keys(freeText ?? {})])].sort() };
  }
  const keys = FREE_TEXT_KEYS.filter((k) => entry.detail[k] !== undefined);
  if (keys.length === 0) return entry;
  const detail = { ...entry.detail };
  for (const k of keys) delete detail[k];
  return { ...entry, detail, redacted: [...new Set([...(entry.redacted ?? []), ...keys])].sort() };
}

export type ChainVerdict = { valid: true; length: number } | { valid: false; brokenAt: number; reason: string };

/**
 * Checks a chain in the order given: seq 1, 2, 3, … without gaps, one checkId,
 * each `prevHash` the hash of the entry before (genesis for the first), each
 * keyed `hash` recomputing under `key`, each unkeyed one by its SHA-256 (only
 * before the first keyed entry, and only when a keyed entry follows), free
 * text matching its commitment, and free text missing only once the purge has
 * run (its keyed `case.purged` entry is in the chain). `brokenAt` is the seq of
 * the first position that is not intact (a missing entry reports the seq that
 * is missing).
 */
export function verifyChain(entries: AuditEntry[], key: AuditKey): ChainVerdict {
  let prevHash = GENESIS_HASH;
  const checkId = entries[0]?.checkId;
  const purgeSeq = entries.find((e) => e.action === PURGE_ACTION && e.chain === KEYED)?.seq;
  let keyedSeen = false;
  let unkeyedRunFrom: number | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const expectedSeq = i + 1;
    const broken = (reason: string): ChainVerdict => ({ valid: false, brokenAt: expectedSeq, reason });
    if (entry.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}, found ${entry.seq}`);
    if (entry.checkId !== checkId) return broken(`entry belongs to check ${entry.checkId}, not ${checkId}`);
    if (entry.prevHash !== prevHash) return broken(i === 0 ? 'prevHash of the first entry is not the genesis hash' : `prevHash does not match the hash of entry ${i}`);
    if (entry.chain === KEYED) {
      if (entry.keyId !== key.id) return broken(`keyed with another AUDIT_SECRET (key id ${entry.keyId ?? 'missing'}, this server's is ${key.id})`);
      if (!safeEqual(keyedHash(entry, key), entry.hash)) return broken('hash does not match the entry content (HMAC under AUDIT_SECRET)');
      const textProblem = freeTextProblem(entry, purgeSeq);
      if (textProblem) return broken(textProblem);
      keyedSeen = true;
      unkeyedRunFrom = undefined;
    } else if (entry.chain !== undefined) {
      return broken(`unknown chain scheme ${String(entry.chain)}`);
    } else {
      if (keyedSeen) return broken('an unkeyed entry after keyed ones');
      if (entry.freeText || entry.freeTextSalt || entry.freeTextCommitment || entry.keyId) return broken('an unkeyed entry with fields of keyed ones');
      if (entry.redacted?.length) {
        // Its free text was in the hashed detail: after the purge only its links can be checked.
        if (purgeSeq === undefined) return broken('free text removed, but the case was never purged');
      } else if (unkeyedHash(entry) !== entry.hash) {
        return broken('hash does not match the entry content (SHA-256, written before the chain was keyed)');
      }
      unkeyedRunFrom ??= expectedSeq;
    }
    prevHash = entry.hash;
  }
  if (unkeyedRunFrom !== undefined) {
    return {
      valid: false,
      brokenAt: unkeyedRunFrom,
      reason: `entries ${unkeyedRunFrom}–${entries.length} are not keyed and no keyed entry follows them: written before AUDIT_SECRET (seal them with npm run audit:seal) or rewritten without it`,
    };
  }
  return { valid: true, length: entries.length };
}

function freeTextProblem(entry: AuditEntry, purgeSeq: number | undefined): string | undefined {
  if (entry.freeTextCommitment === undefined) {
    return entry.freeText || entry.freeTextSalt ? 'free text without a commitment in the chain' : undefined;
  }
  if (entry.freeText && entry.freeTextSalt) {
    return safeEqual(commitFreeText(entry.freeText, entry.freeTextSalt), entry.freeTextCommitment) ? undefined : 'free text does not match its commitment';
  }
  if (entry.freeText || entry.freeTextSalt) return 'free text or its salt missing';
  return purgeSeq === undefined ? 'free text removed, but the case was never purged' : undefined;
}

/** An entry as the API shows it: free text back in `detail` while it exists, no salt, whether it is keyed. */
export interface PresentedAuditEntry {
  checkId: string;
  seq: number;
  at: string;
  actor: AuditActor;
  action: string;
  detail: Record<string, unknown>;
  /** Free-text keys of `detail` destroyed by the retention purge. */
  redacted?: string[];
  keyed: boolean;
  freeTextCommitment?: string;
  prevHash: string;
  hash: string;
}

export function presentEntry(entry: AuditEntry): PresentedAuditEntry {
  const { checkId, seq, at, actor, action, detail, freeText, redacted, freeTextCommitment, prevHash, hash } = entry;
  return {
    checkId,
    seq,
    at,
    actor,
    action,
    detail: { ...detail, ...freeText },
    ...(redacted?.length ? { redacted } : {}),
    keyed: entry.chain === KEYED,
    ...(freeTextCommitment ? { freeTextCommitment } : {}),
    prevHash,
    hash,
  };
}

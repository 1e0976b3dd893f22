/**
 * The audit trail of a check as a hash chain (pure; no I/O). Each entry carries
 * the hash of the one before it, and its own hash over a canonical JSON of all
 * its other fields, so deleting, reordering or editing any entry breaks the
 * chain at that entry. Storage: models/audit.ts; appending: activities/audit.ts.
 * Unit-tested in test/unit/audit.test.ts.
 */
import { canonicalJson, sha256Hex } from '../lib/crypto';

export interface AuditActor {
  type: string;
  id?: string;
  role?: string;
}

export interface AuditEntry {
  checkId: string;
  /** 1, 2, 3, … per check, without gaps. */
  seq: number;
  /** ISO 8601, kept as the exact string so the hash recomputes. */
  at: string;
  actor: AuditActor;
  /** e.g. `document.viewed`, `case.claimed`, `decision.approve`, `status.changed`. */
  action: string;
  /** JSON data only (never PII): ids, variants, reasons, from/to statuses. */
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditFields = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/** The `prevHash` of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields, and only those: extra fields (a stored `_id`) never enter the hash. */
function hashedFields(entry: Omit<AuditEntry, 'hash'>): Omit<AuditEntry, 'hash'> {
  const { checkId, seq, at, actor, action, detail, prevHash } = entry;
  return { checkId, seq, at, actor, action, detail, prevHash };
}

/** SHA-256 hex over the canonical JSON (keys sorted at every level) of every field but `hash`. */
export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(canonicalJson(hashedFields(entry)));
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

/** The entry that follows `prev` (or starts the chain when `prev` is undefined). */
export function nextEntry(prev: Pick<AuditEntry, 'checkId' | 'seq' | 'hash'> | undefined, fields: AuditFields): AuditEntry {
  if (typeof fields.checkId !== 'string' || !fields.checkId) throw new TypeError('audit entry needs a checkId');
  if (prev && prev.checkId !== fields.checkId) throw new Error(`audit chain of ${prev.checkId} cannot continue with ${fields.checkId}`);
  if (typeof fields.at !== 'string' || Number.isNaN(Date.parse(fields.at))) throw new TypeError('audit entry `at` must be an ISO date string');
  if (typeof fields.action !== 'string' || !fields.action) throw new TypeError('audit entry needs an action');
  const unhashed: Omit<AuditEntry, 'hash'> = {
    checkId: fields.checkId,
    seq: prev ? prev.seq + 1 : 1,
    at: fields.at,
    actor: plainActor(fields.actor),
    action: fields.action,
    detail: plainJson(fields.detail),
    prevHash: prev ? prev.hash : GENESIS_HASH,
  };
  return { ...unhashed, hash: hashEntry(unhashed) };
}

export type ChainVerdict = { valid: true; length: number } | { valid: false; brokenAt: number; reason: string };

/**
 * Checks a chain in the order given: seq 1, 2, 3, … without gaps, one checkId,
 * each `prevHash` the hash of the entry before (genesis for the first), and
 * each `hash` recomputing. `brokenAt` is the seq of the first position that is
 * not intact (a missing entry reports the seq that is missing).
 */
export function verifyChain(entries: AuditEntry[]): ChainVerdict {
  let prevHash = GENESIS_HASH;
  const checkId = entries[0]?.checkId;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const expectedSeq = i + 1;
    const broken = (reason: string): ChainVerdict => ({ valid: false, brokenAt: expectedSeq, reason });
    if (entry.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}, found ${entry.seq}`);
    if (entry.checkId !== checkId) return broken(`entry belongs to check ${entry.checkId}, not ${checkId}`);
    if (entry.prevHash !== prevHash) return broken(i === 0 ? 'prevHash of the first entry is not the genesis hash' : `prevHash does not match the hash of entry ${i}`);
    if (hashEntry(entry) !== entry.hash) return broken('hash does not match the entry content');
    prevHash = entry.hash;
  }
  return { valid: true, length: entries.length };
}

/**
 * The audit trail, append-only: one document per entry of a check's keyed hash
 * chain (domain/audit.ts). The one change an entry ever sees is the retention
 * purge deleting its free text and salt (`freeText`, `freeTextSalt`), which the
 * hash does not cover. `_id` is `<checkId>:<seq, 8 digits>`, so two writers that
 * both try to append the same seq collide on `_id` — the one guard that holds
 * under concurrency on FerretDB — and the loser re-reads and retries
 * (activities/audit.ts). `at` stays the exact ISO string and `detail` is kept
 * as given (`minimize: false` keeps an empty `{}`), so every hash recomputes
 * from what is stored.
 */
import { Schema, model } from 'mongoose';

export function auditId(checkId: string, seq: number): string {
  return `${checkId}:${String(seq).padStart(8, '0')}`;
}

const actorSchema = new Schema(
  {
    type: { type: String, required: true },
    id: { type: String },
    role: { type: String },
  },
  { _id: false, minimize: false },
);

const auditSchema = new Schema(
  {
    _id: { type: String, required: true }, // auditId(checkId, seq)
    checkId: { type: String, required: true, index: true },
    seq: { type: Number, required: true },
    at: { type: String, required: true },
    actor: { type: actorSchema, required: true },
    action: { type: String, required: true },
    detail: { type: Schema.Types.Mixed, required: true },
    /** Free text (`reason`) and the salt of its commitment: personal data, deleted by the purge. */
    freeText: { type: Schema.Types.Mixed },
    freeTextSalt: { type: String },
    freeTextCommitment: { type: String },
    /** Free-text keys the purge destroyed. */
    redacted: { type: [String], default: undefined },
    /** `hmac-sha256` (keyed with AUDIT_SECRET, whose fingerprint is `keyId`); absent before the chain was keyed. */
    chain: { type: String },
    keyId: { type: String },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
    /**
     * Optional idempotency key of the append (not hashed, not indexed: a unique
     * index on an often-missing field would collide on null in FerretDB). It is
     * checked by scanning the check's entries; see activities/audit.ts.
     */
    key: { type: String },
  },
  { collection: 'audit', versionKey: false, minimize: false },
);

export const AuditModel = model('Audit', auditSchema);

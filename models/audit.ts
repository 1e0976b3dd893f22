/**
 * The audit trail, append-only: one document per entry of a check's hash chain
 * (domain/audit.ts). `_id` is `<checkId>:<seq, 8 digits>`, so two writers that
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

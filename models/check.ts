/**
 * The read model of a check: what the API lists and what reviewers open. Written
 * only by the check's workflow (through activities), in version order.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { statuses, type CheckState } from '../domain/check';
import { canonicalJson, sha256Hex } from '../lib/crypto';

const checkSchema = new Schema(
  {
    _id: { type: String, required: true }, // chk_…
    orderId: { type: String, required: true, unique: true },
    status: { type: String, enum: statuses, required: true, index: true },
    fulfilment: { type: String, required: true },
    score: { type: Number, required: true },
    band: { type: String, required: true },
    risk: { type: Schema.Types.Mixed, required: true },
    verification: { type: Schema.Types.Mixed, default: null },
    timeline: { type: [Schema.Types.Mixed], default: [] },
    // Queue fields, flat so the queue reads them without the whole case.
    amount: Number,
    currency: String,
    slaDueAt: { type: Date, default: null },
    escalationDueAt: { type: Date, default: null },
    escalationOverdueAt: { type: Date, default: null },
    assignee: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    documentCount: { type: Number, default: 0 },
    flags: { type: [String], default: [] },
    documents: { type: [Schema.Types.Mixed], default: [] },
    claim: { type: Schema.Types.Mixed, default: null },
    /** The order metadata as submitted (PII: redacted when retention ends). */
    order: { type: Schema.Types.Mixed },
    version: { type: Number, required: true },
    /** SHA-256 of the submitted body: a resubmission with another body is a conflict, with or without a workflow. */
    bodyHash: { type: String },
    /** The check's RETENTION_PERIOD (fixed when it started) and when it became final: when it is purged. */
    retentionMs: { type: Number },
    finalAt: { type: Date, default: null },
    /** The `sequence` of the last webhook event the check emitted. */
    webhookSequence: { type: Number },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    purgedAt: { type: Date },
  },
  { collection: 'checks', versionKey: false, minimize: false },
);

export type CheckRecord = InferSchemaType<typeof checkSchema>;
export const CheckModel = model('Check', checkSchema);

const iso = (value: unknown): string | null => (value ? new Date(value as string | Date).toISOString() : null);

/** The check's state as its workflow last projected it (what the API serves once the workflow has ended). */
export function checkStateFromRecord(record: Record<string, any>): CheckState {
  return {
    checkId: record._id,
    orderId: record.orderId,
    status: record.status,
    risk: record.risk,
    verification: record.verification ?? null,
    documents: record.documents ?? [],
    claim: record.claim ?? null,
    slaDueAt: iso(record.slaDueAt),
    escalationDueAt: iso(record.escalationDueAt),
    escalationOverdueAt: iso(record.escalationOverdueAt),
    createdAt: iso(record.createdAt)!,
    updatedAt: iso(record.updatedAt)!,
    timeline: record.timeline ?? [],
    version: record.version,
  };
}

/**
 * The hash of the body a check was submitted with: recorded since resubmissions
 * are answered without a workflow; for older checks, the stored order's (unless
 * purged: then unknown, and any body is taken as the same).
 */
export function storedBodyHash(record: { bodyHash?: string | null; order?: any }): string | undefined {
  if (record.bodyHash) return record.bodyHash;
  if (record.order && !record.order.redacted) return sha256Hex(canonicalJson(record.order));
  return undefined;
}

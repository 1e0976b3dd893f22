/**
 * The review queue's own read model: one small document per OPEN check (in
 * review, escalated, awaiting documents), removed when the check ends. The
 * queue reads and sorts these instead of whole check documents: the embedded
 * database converts every document it returns, so size is what costs.
 */
import { Schema, model } from 'mongoose';

const queueEntrySchema = new Schema(
  {
    _id: { type: String, required: true }, // check id
    orderId: { type: String, required: true },
    status: { type: String, required: true, index: true },
    band: { type: String, required: true },
    score: { type: Number, required: true },
    amount: Number,
    currency: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    slaDueAt: { type: Date, default: null },
    /** An escalated case's own SLA, and when it was flagged overdue (the console shows the flag). */
    escalationDueAt: { type: Date, default: null },
    escalationOverdueAt: { type: Date, default: null },
    assignee: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    documentCount: { type: Number, default: 0 },
    flags: { type: [String], default: [] },
  },
  { collection: 'queue', versionKey: false },
);

export const QueueEntryModel = model('QueueEntry', queueEntrySchema);

/** The fields of a queue entry, from a check read-model document. */
export function queueFields(check: Record<string, unknown>): Record<string, unknown> {
  const keys = ['orderId', 'status', 'band', 'score', 'amount', 'currency', 'createdAt', 'updatedAt', 'slaDueAt', 'escalationDueAt', 'escalationOverdueAt', 'assignee', 'leaseExpiresAt', 'documentCount', 'flags'];
  return Object.fromEntries(keys.filter((k) => check[k] !== undefined).map((k) => [k, check[k]]));
}

export const openStatuses = ['in_review', 'escalated', 'awaiting_documents'] as const;

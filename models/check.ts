/**
 * The read model of a check: what the API lists and what reviewers open. Written
 * only by the check's workflow (through activities), in version order.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { statuses } from '../domain/check';

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
    assignee: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    documentCount: { type: Number, default: 0 },
    flags: { type: [String], default: [] },
    documents: { type: [Schema.Types.Mixed], default: [] },
    claim: { type: Schema.Types.Mixed, default: null },
    /** The order metadata as submitted (PII: redacted when retention ends). */
    order: { type: Schema.Types.Mixed },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    purgedAt: { type: Date },
  },
  { collection: 'checks', versionKey: false, minimize: false },
);

export type CheckRecord = InferSchemaType<typeof checkSchema>;
export const CheckModel = model('Check', checkSchema);

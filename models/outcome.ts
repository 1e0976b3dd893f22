/**
 * Outcomes of orders (API.md, "Outcomes"), append-only: what became of an order
 * after its check (a chargeback, confirmed fraud, a refund, or legitimate). A
 * check's state is never touched by them (its workflow may have completed long
 * ago): they are records of their own, listed with the check by `orderId`.
 *
 * `outcomeMarks`: for each chargeback or confirmed fraud, one mark per
 * identifier of the order (`key` = `<list type>:<pseudonym>`, the same keys as
 * the lists), `_id` = `<kind>:<key>:<orderId>`, so an order counts once per kind
 * and identifier however many times it is marked; scoring counts a later order's
 * marks by `key` (one equality lookup per identifier).
 */
import { Schema, model } from 'mongoose';

const actorSchema = new Schema({ type: { type: String, required: true }, id: { type: String }, role: { type: String } }, { _id: false });

const outcomeSchema = new Schema(
  {
    _id: { type: String, required: true }, // outcomeId
    checkId: { type: String, required: true },
    orderId: { type: String, required: true, index: true },
    type: { type: String, required: true },
    reason: { type: String, default: null },
    occurredAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: actorSchema, required: true },
  },
  { collection: 'outcomes', versionKey: false },
);

export const OutcomeModel = model('Outcome', outcomeSchema);
export type OutcomeRecord = {
  _id: string;
  checkId: string;
  orderId: string;
  type: string;
  reason?: string | null;
  occurredAt: Date;
  createdAt: Date;
  createdBy: { type: string; id?: string | null; role?: string | null };
};

const outcomeMarkSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<kind>:<key>:<orderId>`
    key: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    orderId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'outcomeMarks', versionKey: false },
);

export const OutcomeMarkModel = model('OutcomeMark', outcomeMarkSchema);

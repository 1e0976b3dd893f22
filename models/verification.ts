/**
 * A verification round's token, as its SHA-256 only (`_id`): the customer's link
 * finds its check here. A new round inserts a new token; the check's current
 * round decides whether an older one still works.
 */
import { Schema, model } from 'mongoose';

const verificationSchema = new Schema(
  {
    _id: { type: String, required: true }, // sha256(token)
    checkId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
    round: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'verifications', versionKey: false },
);

export const VerificationModel = model('Verification', verificationSchema);

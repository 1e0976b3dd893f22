/**
 * One document per order, append-only: the velocity history that scoring counts
 * (orders per card, email, device, IP and shipping address in the last hour and
 * day). Values are keyed pseudonyms, never the raw email or IP. `_id` is the
 * order id, so a retried insert is a no-op. Each dimension holds
 * `<pseudonym>:<day>` for the order's day and the next (see activities/scoring.ts).
 */
import { Schema, model } from 'mongoose';

const velocitySchema = new Schema(
  {
    _id: { type: String, required: true }, // orderId
    at: { type: Date, required: true },
    card: { type: [String], index: true, default: undefined },
    email: { type: [String], index: true, default: undefined },
    device: { type: [String], index: true, default: undefined },
    ip: { type: [String], index: true, default: undefined },
    shippingAddress: { type: [String], index: true, default: undefined },
  },
  { collection: 'velocity', versionKey: false },
);

export const VelocityEventModel = model('VelocityEvent', velocitySchema);

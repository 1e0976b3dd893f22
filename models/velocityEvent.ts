/**
 * One document per order, append-only: the velocity history that scoring counts
 * (orders per card, email, device, IP and shipping address in the last hour and
 * day). Values are keyed pseudonyms, never the raw email or IP. `_id` is the
 * order id, so a retried insert is a no-op.
 */
import { Schema, model } from 'mongoose';

const velocitySchema = new Schema(
  {
    _id: { type: String, required: true }, // orderId
    at: { type: Date, required: true },
    card: { type: String, index: true },
    email: { type: String, index: true },
    device: { type: String, index: true },
    ip: { type: String, index: true },
    shippingAddress: { type: String, index: true },
  },
  { collection: 'velocity', versionKey: false },
);

export const VelocityEventModel = model('VelocityEvent', velocitySchema);

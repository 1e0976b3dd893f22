/**
 * The shop's block list: `_id` is `<dimension>:<pseudonym>` (dimension is one of
 * card, email, device, ip, shippingAddress), so a lookup is an `_id` match.
 */
import { Schema, model } from 'mongoose';

const blocklistSchema = new Schema(
  {
    _id: { type: String, required: true },
    dimension: { type: String, required: true },
    reason: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'blocklist', versionKey: false },
);

export const BlocklistModel = model('BlocklistEntry', blocklistSchema);

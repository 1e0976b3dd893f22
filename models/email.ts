/**
 * One record per e-mail the engine sends (`_id` = `<checkId>:<round>:<reminder>`):
 * a retried send activity finds it `sent` and sends nothing twice.
 */
import { Schema, model } from 'mongoose';

const emailSchema = new Schema(
  {
    _id: { type: String, required: true },
    checkId: { type: String, required: true },
    state: { type: String, enum: ['sending', 'sent'], required: true },
    messageId: { type: String, required: true },
    sentAt: Date,
  },
  { collection: 'emails', versionKey: false },
);

export const EmailModel = model('Email', emailSchema);

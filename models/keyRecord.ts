/**
 * Every DOCUMENT_KEY this deployment has written with, by key id (never the key): one entry
 * per key, made by a unique insert when a process first starts with it as DOCUMENT_KEY. The
 * start-up check refuses a key ring (DOCUMENT_KEY + PREVIOUS_DOCUMENT_KEYS) that lacks a
 * recorded key that is not retired: documents or Temporal histories may still need it.
 * `npm run keys -- retire <id>` retires a key once nothing needs it.
 */
import { Schema, model } from 'mongoose';

const keyRecordSchema = new Schema(
  {
    _id: { type: String, required: true }, // the key id (config `keyId`: first 8 bytes of its SHA-256, hex)
    recordedAt: { type: Date, required: true },
    /** Which process recorded it first (`api`, `worker`, `start`, or `found` for a key found in existing data). */
    recordedBy: { type: String, required: true },
    retiredAt: { type: Date },
  },
  { collection: 'keys', versionKey: false },
);

export const KeyRecordModel = model('KeyRecord', keyRecordSchema);

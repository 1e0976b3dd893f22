/**
 * The log of data-subject requests (lookups, exports, erasures): append-only,
 * one document per request. The subject is kept as its keyed pseudonym, never
 * the e-mail address or customer id itself, so the log outlives an erasure
 * without undoing it. Each affected check's audit chain records the request too.
 */
import { Schema, model } from 'mongoose';

const privacyRequestSchema = new Schema(
  {
    _id: { type: String, required: true }, // prv_…
    kind: { type: String, enum: ['lookup', 'export', 'erasure'], required: true },
    /** `email:<pseudonym>` or `customer:<pseudonym>`. */
    subject: { type: String, required: true },
    by: { id: { type: String, required: true }, role: { type: String, required: true } },
    at: { type: Date, required: true },
    reason: { type: String, default: null },
    checks: { type: [String], default: [] },
    erased: { type: [String], default: undefined },
    held: { type: [{ checkId: String, why: String, _id: false }], default: undefined },
  },
  { collection: 'privacyRequests', versionKey: false },
);

export const PrivacyRequestModel = model('PrivacyRequest', privacyRequestSchema);

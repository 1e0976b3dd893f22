/**
 * When each final check's retention ends: one small entry per check, written
 * when the check becomes final and deleted once it is purged. The retention
 * sweep (activities/retention.ts) reads the entries of the last minutes by
 * `minute` (an equality lookup: the embedded database serves no range query),
 * so a sweep every minute reads what is due, never all checks.
 */
import { Schema, model } from 'mongoose';

export const MINUTE_MS = 60_000;
export const minuteOf = (time: number): number => Math.floor(time / MINUTE_MS);

const retentionEntrySchema = new Schema(
  {
    _id: { type: String, required: true }, // check id
    orderId: { type: String, required: true },
    dueAt: { type: Date, required: true },
    /** The minute (ms / 60 000) in which the sweep looks for it: the due minute, or the minute written if that is later. */
    minute: { type: Number, required: true, index: true },
  },
  { collection: 'retention', versionKey: false },
);

export const RetentionEntryModel = model('RetentionEntry', retentionEntrySchema);

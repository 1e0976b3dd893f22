/**
 * Entries of the block and allow lists (API.md, "Lists"). The value is never
 * stored: `key` is `<type>:<pseudonym>` (keyed by PSEUDONYM_SECRET) and `hint` a
 * masked form for people. `_id` derives from list, type and pseudonym
 * (app/lists.ts: `entryId`), so the unique `_id` is the one guard that makes adds
 * idempotent under concurrency (FerretDB holds unique inserts, nothing else);
 * `key` is looked up by equality when a check is scored (both lists at once).
 * Entries are never updated: an add inserts, a delete deletes, an expired entry
 * stays until it is deleted or added again (then replaced).
 */
import { Schema, model } from 'mongoose';

const actorSchema = new Schema({ type: { type: String, required: true }, id: { type: String }, role: { type: String } }, { _id: false });

const listEntrySchema = new Schema(
  {
    _id: { type: String, required: true },
    list: { type: String, required: true, index: true },
    type: { type: String, required: true },
    key: { type: String, required: true, index: true },
    hint: { type: String, required: true },
    reason: { type: String, required: true },
    createdBy: { type: actorSchema, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    /** The case whose reject put it there, if any. */
    checkId: { type: String },
  },
  { collection: 'lists', versionKey: false },
);

export const ListEntryModel = model('ListEntry', listEntrySchema);
export type ListEntryRecord = {
  _id: string;
  list: string;
  type: string;
  key: string;
  hint: string;
  reason: string;
  createdBy: { type: string; id?: string | null; role?: string | null };
  createdAt: Date;
  expiresAt?: Date | null;
  checkId?: string | null;
};

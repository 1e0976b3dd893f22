/**
 * Internal notes on a case: append-only (one document per note, never edited),
 * never sent to the customer or in a webhook. The retention purge deletes their
 * text (free text about a person) and keeps who wrote a note when.
 */
import { Schema, model } from 'mongoose';

const noteSchema = new Schema(
  {
    _id: { type: String, required: true }, // note_…
    checkId: { type: String, required: true, index: true },
    author: { id: { type: String, required: true }, role: { type: String, required: true } },
    text: { type: String },
    createdAt: { type: Date, required: true },
    redactedAt: { type: Date },
  },
  { collection: 'notes', versionKey: false },
);

export const NoteModel = model('Note', noteSchema);

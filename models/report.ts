/**
 * A case file a senior made for a recipient outside the shop (a payment
 * processor, a bank, an authority): append-only, one document per report.
 * `caseJson` and `auditJson` are the exact bytes of the file's `case.json` and
 * `audit.json`, frozen when the report was made, so every download hands over
 * the same case (its SHA-256 in `sha256`); documents are listed by id and
 * variant and read from the blob store at download (their bytes never change).
 * The retention purge deletes both texts (they hold personal data) and sets
 * `purgedAt`: the file is gone (`410`), the record of who sent what to whom stays.
 */
import { Schema, model } from 'mongoose';

const reportSchema = new Schema(
  {
    _id: { type: String, required: true }, // rpt_…
    checkId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
    recipient: { kind: { type: String, required: true }, name: { type: String, required: true } },
    reference: { type: String, required: true },
    note: { type: String, default: null },
    includeOriginals: { type: Boolean, required: true },
    createdBy: { id: { type: String, required: true }, role: { type: String, required: true } },
    createdAt: { type: Date, required: true },
    caseJson: { type: String },
    auditJson: { type: String },
    /** SHA-256 of `caseJson` and `auditJson` when made: kept after the purge, so a recipient's copy can be checked against it. */
    sha256: { case: String, audit: String },
    documents: { type: [{ documentId: String, variant: String, path: String, _id: false }], default: [] },
    purgedAt: { type: Date },
  },
  { collection: 'reports', versionKey: false, minimize: false },
);

export const ReportModel = model('Report', reportSchema);

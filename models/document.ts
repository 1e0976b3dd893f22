/**
 * A customer's document: metadata, quality, fingerprints and the wrapped data
 * key of its encrypted blobs (in the blob store, documents/storage.ts:
 * `<documentId>/original`, `/preview`, `/thumbnail`; in GridFS for documents
 * stored before it). Written at upload by the API (status `processing`) and
 * then only by the document activity; the check's workflow holds the status
 * that counts. Crypto-shredding deletes `dataKey` and the blobs.
 */
import { Schema, model } from 'mongoose';

const blobSchema = new Schema({ iv: String, tag: String, size: Number, contentType: String }, { _id: false });

const documentSchema = new Schema(
  {
    _id: { type: String, required: true }, // doc_…
    checkId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
    kind: { type: String, required: true },
    round: { type: Number, required: true },
    status: { type: String, required: true },
    reason: { type: String, default: null },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    /** SHA-256 of the original bytes: exact duplicates. */
    sha256: { type: String, index: true },
    /** 64-bit perceptual hash (hex) and its four 16-bit bands: near-duplicates by equality lookups. */
    phash: { type: String },
    phashBands: { type: [String], index: true, default: undefined },
    width: Number,
    height: Number,
    pages: Number,
    quality: { type: Schema.Types.Mixed, default: null },
    flags: { type: [String], default: [] },
    /** The document's data key, wrapped by DOCUMENT_KEY (AES-256-GCM; `keyId` names the wrapping key). */
    dataKey: { type: Schema.Types.Mixed },
    blobs: { original: blobSchema, preview: blobSchema, thumbnail: blobSchema },
    uploadedAt: { type: Date, required: true },
    processedAt: Date,
    shreddedAt: Date,
  },
  { collection: 'documents', versionKey: false, minimize: false },
);

export const DocumentModel = model('Document', documentSchema);

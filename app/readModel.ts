/**
 * The one read-model repository of the application layer: what app/ reads of
 * checks and documents, as domain types (CheckState, document metadata), never
 * as mongoose records. Only the check's workflow writes these (through
 * activities); nothing here writes a check.
 */
import type { CheckState, Status } from '../domain/check';
import type { DocumentKind } from '../domain/order';
import { CheckModel, DocumentModel } from '../models';
import { checkStateFromRecord, storedBodyHash } from '../models/check';

/** A check as the read model holds it: its last projected state and what only the record has. */
export interface StoredCheck {
  state: CheckState;
  /** The order metadata as submitted (redacted once purged). */
  order: unknown;
  /** SHA-256 of the submitted body; undefined when unknown (an old check, purged). */
  bodyHash: string | undefined;
  purged: boolean;
}

/** The document metadata a reviewer sees (never the key or the bytes). */
export interface DocumentMeta {
  documentId: string;
  contentType: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  quality: unknown;
  /** Which variants were made (previews only for images once processed). */
  variants: ('thumbnail' | 'preview' | 'original')[];
}

type CheckRecordLean = Parameters<typeof checkStateFromRecord>[0];

function stored(record: CheckRecordLean): StoredCheck {
  return {
    state: checkStateFromRecord(record),
    order: record.order ?? null,
    bodyHash: storedBodyHash(record),
    purged: Boolean(record.purgedAt),
  };
}

export const readModel = {
  async checkByOrder(orderId: string): Promise<StoredCheck | undefined> {
    const record = await CheckModel.findOne({ orderId }).lean();
    return record ? stored(record) : undefined;
  },

  async checkById(checkId: string): Promise<StoredCheck | undefined> {
    const record = await CheckModel.findById(checkId).lean();
    return record ? stored(record) : undefined;
  },

  /** The order and status of a check, without the rest of it. */
  async checkRef(checkId: string): Promise<{ orderId: string; status: Status } | undefined> {
    const record = await CheckModel.findById(checkId, { orderId: 1, status: 1 }).lean();
    return record ? { orderId: record.orderId, status: record.status as Status } : undefined;
  },

  async checkExists(checkId: string): Promise<boolean> {
    return Boolean(await CheckModel.exists({ _id: checkId }));
  },

  /** The metadata of a check's documents, by id. */
  async documentsOf(checkId: string): Promise<Map<string, DocumentMeta>> {
    const docs = await DocumentModel.find({ checkId }, { dataKey: 0 }).lean();
    return new Map(
      docs.map((d) => [
        d._id,
        {
          documentId: d._id,
          contentType: d.contentType ?? null,
          size: d.size ?? null,
          width: d.width ?? null,
          height: d.height ?? null,
          pages: d.pages ?? null,
          quality: d.quality ?? null,
          variants: d.blobs?.preview ? ['thumbnail', 'preview', 'original'] : ['original'],
        },
      ]),
    );
  },

  /** A document's record as the vault reads it (documents/vault.ts), with its check and type. */
  async document(documentId: string) {
    return DocumentModel.findById(documentId, { checkId: 1, contentType: 1, dataKey: 1, blobs: 1, shreddedAt: 1 }).lean();
  },

  /** The record of a document just stored by an upload (status `processing`). */
  async recordUpload(document: {
    documentId: string;
    checkId: string;
    orderId: string;
    kind: DocumentKind;
    round: number;
    contentType: string;
    size: number;
    sealed: object;
  }): Promise<void> {
    const { documentId, sealed, ...rest } = document;
    await DocumentModel.create({ _id: documentId, ...rest, ...sealed, status: 'processing', uploadedAt: new Date() });
  },

  async forgetUpload(documentId: string): Promise<void> {
    await DocumentModel.deleteOne({ _id: documentId });
  },
};

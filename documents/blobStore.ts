/**
 * Where document bytes live: a blob store, never the database. One small interface with two
 * implementations: files under `BLOB_DIR` (the embedded stack, one machine; fileBlobStore.ts)
 * and S3-compatible object storage (production; s3BlobStore.ts). storage.ts chooses one from
 * the configuration.
 *
 * Callers store ciphertext only (documents/envelope.ts): a store neither knows nor needs keys.
 *
 * Names are `<documentId>/<variant>`, checked strictly before they reach a path or a key
 * (`parseBlobName`): the document id alphabet and the known variants only, so no name can
 * climb out of its directory or land beside another document's blobs.
 */

export const BLOB_VARIANTS = ['original', 'preview', 'thumbnail'] as const;
export type BlobVariant = (typeof BLOB_VARIANTS)[number];

/** `doc_` and base64url (the API makes 16 characters from 12 random bytes). */
const DOCUMENT_ID = /^doc_[A-Za-z0-9_-]{16,64}$/;

export interface BlobStore {
  /** Where blobs go, for logs and the start banner (a directory, or `s3://bucket`). */
  readonly location: string;
  /**
   * Stores `bytes` under `name`, replacing what was there. Atomic: a reader sees the old bytes
   * or the new ones, never a part; when it resolves, the blob is durable. A retried put
   * replaces (a retried activity re-encrypts with a fresh IV, so the new bytes must win).
   */
  put(name: string, bytes: Buffer): Promise<void>;
  /** The bytes stored under `name`, or undefined when there are none. */
  get(name: string): Promise<Buffer | undefined>;
  /** Deletes every blob of a document (all variants). Idempotent: nothing to delete is fine. */
  deleteDocument(documentId: string): Promise<void>;
}

/** A name or id that is not ours: a bug in the caller, never a customer's input. */
export class InvalidBlobName extends Error {
  override readonly name = 'InvalidBlobName';
}

export function isDocumentId(value: string): boolean {
  return DOCUMENT_ID.test(value);
}

/** Throws InvalidBlobName unless `documentId` is a document id. */
export function checkDocumentId(documentId: string): string {
  if (!isDocumentId(documentId)) throw new InvalidBlobName(`not a document id: ${JSON.stringify(documentId.slice(0, 80))}`);
  return documentId;
}

export function blobName(documentId: string, variant: BlobVariant): string {
  return `${checkDocumentId(documentId)}/${variant}`;
}

/** Splits `<documentId>/<variant>`; throws InvalidBlobName for anything else. */
export function parseBlobName(name: string): { documentId: string; variant: BlobVariant } {
  const slash = name.indexOf('/');
  const documentId = slash < 0 ? name : name.slice(0, slash);
  const variant = slash < 0 ? '' : name.slice(slash + 1);
  if (!isDocumentId(documentId) || !(BLOB_VARIANTS as readonly string[]).includes(variant)) {
    throw new InvalidBlobName(`not a blob name (<documentId>/<${BLOB_VARIANTS.join('|')}>): ${JSON.stringify(name.slice(0, 80))}`);
  }
  return { documentId, variant: variant as BlobVariant };
}

/**
 * Encrypted document blobs in GridFS (bucket `documents`, i.e. collections `documents.files`
 * and `documents.chunks`), one file per `<documentId>/<variant>` name. Callers store only
 * ciphertext (see envelope.ts); this module neither knows nor needs keys.
 *
 * Lookups are by `filename` equality only (a top-level field with GridFS's own index), which
 * the development database (FerretDB) serves well; no prefix or metadata queries.
 *
 * Idempotent put — REPLACE, not skip: a retried activity re-encrypts with a fresh IV and
 * records the new iv/tag, so the stored bytes must be the new ones. `putBlob` writes the new
 * file first and then deletes every older file of the same name, so a name is never without a
 * complete file; readers always take the newest (`uploadDate`), so a reader racing a retry sees
 * the old or the new file, never a partial one.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';

export const BUCKET_NAME = 'documents';
export const BLOB_VARIANTS = ['original', 'preview', 'thumbnail'] as const;
export type BlobVariant = (typeof BLOB_VARIANTS)[number];

type Db = mongoose.mongo.Db;
type ObjectId = mongoose.mongo.ObjectId;

export function blobName(documentId: string, variant: BlobVariant): string {
  return `${documentId}/${variant}`;
}

function bucket(db: Db): mongoose.mongo.GridFSBucket {
  return new mongoose.mongo.GridFSBucket(db, { bucketName: BUCKET_NAME });
}

async function fileIds(db: Db, name: string): Promise<ObjectId[]> {
  const files = await bucket(db).find({ filename: name }, { sort: { uploadDate: -1 }, projection: { _id: 1 } }).toArray();
  return files.map((f) => f._id);
}

async function deleteFile(b: mongoose.mongo.GridFSBucket, id: ObjectId): Promise<void> {
  try {
    await b.delete(id);
  } catch (err) {
    // Already gone (a concurrent delete or a retry): that is the goal. The driver deletes the
    // file document first, then its chunks — also when the file document is already gone — so
    // a retry after a crash in between removes the orphan chunks.
    if (!/FileNotFound|file not found/i.test(String((err as Error).message))) throw err;
  }
}

/** Stores `data` under `name`, replacing any earlier file of that name. Returns the file id. */
export async function putBlob(db: Db, name: string, data: Buffer, metadata: Record<string, unknown> = {}): Promise<ObjectId> {
  const b = bucket(db);
  const upload = b.openUploadStream(name, { metadata });
  await pipeline(Readable.from([data]), upload);
  const id = upload.id;
  for (const old of await fileIds(db, name)) {
    if (!old.equals(id)) await deleteFile(b, old);
  }
  return id;
}

/** The newest file stored under `name`, as a stream, or undefined when there is none. */
export async function openBlobStream(db: Db, name: string): Promise<mongoose.mongo.GridFSBucketReadStream | undefined> {
  const [id] = await fileIds(db, name);
  return id ? bucket(db).openDownloadStream(id) : undefined;
}

/** The newest file stored under `name`, or undefined when there is none. */
export async function getBlob(db: Db, name: string): Promise<Buffer | undefined> {
  const stream = await openBlobStream(db, name);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (err) {
    // Deleted between lookup and read (shredding, or a replacing put): treat as absent.
    if (/FileNotFound|file not found/i.test(String((err as Error).message))) return undefined;
    throw err;
  }
  return Buffer.concat(chunks);
}

/**
 * Deletes every blob of a document (all variants, all versions) by exact names
 * `<documentId>/<variant>`. Idempotent; returns how many files were deleted.
 */
export async function deleteBlobs(db: Db, documentId: string, variants: readonly BlobVariant[] = BLOB_VARIANTS): Promise<number> {
  const b = bucket(db);
  let deleted = 0;
  for (const variant of variants) {
    for (const id of await fileIds(db, blobName(documentId, variant))) {
      await deleteFile(b, id);
      deleted++;
    }
  }
  return deleted;
}

/**
 * GridFS, where document blobs were kept before the blob store (bucket `documents`: collections
 * `documents.files` and `documents.chunks`, one file per `<documentId>/<variant>` name). New
 * blobs never go there (on FerretDB, GridFS chunks are base64 text inside JSONB: ~340 ms to
 * write 1.9 MB); storage.ts still reads a document from here when the blob store has none, and
 * deletes here too, so documents uploaded before the change stay readable and purgeable.
 *
 * Lookups are by `filename` equality only (GridFS's own index), which FerretDB serves well.
 * Readers take the newest file of a name (`uploadDate`): a put that was replacing another may
 * have left both.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import { BLOB_VARIANTS, blobName, parseBlobName } from './blobStore';

export const GRIDFS_BUCKET = 'documents';

type Db = mongoose.mongo.Db;
type ObjectId = mongoose.mongo.ObjectId;

function bucket(db: Db): mongoose.mongo.GridFSBucket {
  return new mongoose.mongo.GridFSBucket(db, { bucketName: GRIDFS_BUCKET });
}

async function fileIds(db: Db, name: string): Promise<ObjectId[]> {
  const files = await bucket(db).find({ filename: name }, { sort: { uploadDate: -1 }, projection: { _id: 1 } }).toArray();
  return files.map((f) => f._id);
}

const isFileNotFound = (error: unknown) => /FileNotFound|file not found/i.test(String((error as Error).message));

/** The newest file stored under `name`, or undefined when there is none. */
export async function getGridFsBlob(db: Db, name: string): Promise<Buffer | undefined> {
  parseBlobName(name);
  const [id] = await fileIds(db, name);
  if (!id) return undefined;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of bucket(db).openDownloadStream(id)) chunks.push(chunk as Buffer);
  } catch (error) {
    if (isFileNotFound(error)) return undefined; // deleted between lookup and read (a purge)
    throw error;
  }
  return Buffer.concat(chunks);
}

/** Deletes every GridFS file of a document (all variants, all versions). Idempotent; returns how many it deleted. */
export async function deleteGridFsBlobs(db: Db, documentId: string): Promise<number> {
  const b = bucket(db);
  let deleted = 0;
  for (const variant of BLOB_VARIANTS) {
    for (const id of await fileIds(db, blobName(documentId, variant))) {
      try {
        // The driver deletes the file document, then its chunks (also when the file document is
        // already gone), so a retry after a crash in between removes orphan chunks.
        await b.delete(id);
        deleted++;
      } catch (error) {
        if (!isFileNotFound(error)) throw error; // already gone: that is the goal
      }
    }
  }
  return deleted;
}

/**
 * Writes a blob the way the API did before the blob store. Only for tests of the fallback
 * and for the benchmark that compares the two; the application never writes GridFS any more.
 */
export async function putGridFsBlob(db: Db, name: string, data: Buffer): Promise<void> {
  const { documentId } = parseBlobName(name);
  await pipeline(Readable.from([data]), bucket(db).openUploadStream(name, { metadata: { documentId } }));
}

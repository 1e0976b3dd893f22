/**
 * The document blob store of this process, chosen by the configuration: S3-compatible object
 * storage when `S3_BUCKET` is set (production), else files under `BLOB_DIR` (the embedded
 * stack). Callers get it once (`blobStore(config)`) and use put / get / deleteDocument with
 * ciphertext only (blobStore.ts has the contract).
 *
 * Documents stored before the blob store are in GridFS: a read that finds nothing in the store
 * falls back to GridFS, and deleting a document deletes there too, so they stay readable until
 * their retention purge removes them (gridFsBlobs.ts). New blobs are never written to GridFS.
 */
import mongoose from 'mongoose';
import type { BlobSettings } from '../config';
import type { BlobStore } from './blobStore';
import { FileBlobStore } from './fileBlobStore';
import { S3BlobStore } from './s3BlobStore';
import { deleteGridFsBlobs, getGridFsBlob } from './gridFsBlobs';

export { BLOB_VARIANTS, blobName, type BlobStore, type BlobVariant } from './blobStore';

type Db = mongoose.mongo.Db;

/** The store of these settings, without the GridFS fallback. */
export function createBlobStore(settings: BlobSettings): BlobStore {
  return settings.kind === 's3' ? new S3BlobStore(settings) : new FileBlobStore(settings.dir);
}

/** Reads what the store lacks from GridFS (documents from before the blob store); deletes in both. */
export class GridFsFallback implements BlobStore {
  constructor(
    readonly primary: BlobStore,
    private readonly db: () => Db | undefined,
  ) {}

  get location(): string {
    return this.primary.location;
  }

  put(name: string, bytes: Buffer): Promise<void> {
    return this.primary.put(name, bytes);
  }

  async get(name: string): Promise<Buffer | undefined> {
    return (await this.primary.get(name)) ?? getGridFsBlob(this.database(), name);
  }

  async deleteDocument(documentId: string): Promise<void> {
    await this.primary.deleteDocument(documentId);
    await deleteGridFsBlobs(this.database(), documentId);
  }

  private database(): Db {
    const db = this.db();
    if (!db) throw new Error('the database is not connected (needed for documents stored in GridFS)');
    return db;
  }
}

const stores = new Map<string, BlobStore>();

/**
 * This process's blob store for `config.blobs`, made once (one S3 client and its connection
 * pool per process), reading older documents from GridFS through mongoose's connection.
 */
export function blobStore(config: { blobs: BlobSettings }): BlobStore {
  const key = JSON.stringify(config.blobs);
  let store = stores.get(key);
  if (!store) {
    store = new GridFsFallback(createBlobStore(config.blobs), () => mongoose.connection.db);
    stores.set(key, store);
  }
  return store;
}

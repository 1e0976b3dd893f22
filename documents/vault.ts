/**
 * The document vault: the one place that knows how a document's bytes are kept.
 * Behind four verbs — seal (a new original), storeVariants (its previews),
 * readVariant, shred — it holds the key ring (DOCUMENT_KEY and earlier keys),
 * the blob names (`<documentId>/<variant>`, blobStore.ts), the encryption's
 * binding of each blob to its document and variant (AES-256-GCM additional data,
 * envelope.ts `aadFor`) and the blob store handle (storage.ts: files or S3, with
 * the GridFS fallback for older documents). Callers keep the returned
 * `SealedVariant` metadata in the document's record and never type a blob name
 * or an AAD by hand.
 */
import type { Config } from '../config';
import { keyRing } from '../lib/documentKeys';
import type { BlobVariant } from './blobStore';
import { blobName } from './blobStore';
import { aadFor, decryptBuffer, decryptBufferOffThread, encryptBuffer, newDataKey, unwrapDataKey, type KeyRing, type WrappedKey } from './envelope';
import type { BlobStore } from './blobStore';
import { blobStore } from './storage';

/** What a document's record keeps of one encrypted variant (the bytes are in the blob store). */
export interface SealedVariant {
  iv: string;
  tag: string;
  size: number;
  contentType: string;
}

/** The parts of a document's record the vault needs to read it. */
export interface VaultRecord {
  _id: string;
  dataKey?: WrappedKey | null | unknown;
  blobs?: Partial<Record<BlobVariant, { iv?: string | null; tag?: string | null; contentType?: string | null } | null>> | null;
  shreddedAt?: Date | null;
}

export class DocumentVault {
  constructor(
    private readonly ring: KeyRing,
    readonly store: BlobStore,
  ) {}

  /**
   * A new document's original: a fresh data key (wrapped by DOCUMENT_KEY), the bytes encrypted
   * under it and stored. Returns the fields its record keeps.
   */
  async seal(documentId: string, bytes: Buffer, contentType: string): Promise<{ dataKey: WrappedKey; blobs: { original: SealedVariant } }> {
    const sealed = this.sealOriginal(documentId, bytes, contentType);
    await sealed.store();
    return sealed.fields;
  }

  /**
   * Encrypts an original without storing it yet: its record's fields now, its bytes when
   * `store()` is called. Uploads record the document first, then store its bytes, so a crash
   * between the two leaves a record without bytes (purged with its check), never bytes that
   * nothing names.
   */
  sealOriginal(documentId: string, bytes: Buffer, contentType: string): { fields: { dataKey: WrappedKey; blobs: { original: SealedVariant } }; store: () => Promise<void> } {
    const { dataKey, wrapped } = newDataKey(this.ring);
    const sealed = encryptBuffer(dataKey, bytes, aadFor(documentId, 'original'));
    return {
      fields: { dataKey: wrapped, blobs: { original: { iv: sealed.iv, tag: sealed.tag, size: sealed.ciphertext.length, contentType } } },
      store: () => this.store.put(blobName(documentId, 'original'), sealed.ciphertext),
    };
  }

  /** Encrypts and stores derived variants (previews) under the document's own data key; returns their record fields. */
  async storeVariants(
    record: VaultRecord,
    variants: Partial<Record<Exclude<BlobVariant, 'original'>, { bytes: Buffer; contentType: string }>>,
  ): Promise<Partial<Record<BlobVariant, SealedVariant>>> {
    const dataKey = unwrapDataKey(this.ring, record.dataKey as WrappedKey);
    const stored: Partial<Record<BlobVariant, SealedVariant>> = {};
    for (const [variant, { bytes, contentType }] of Object.entries(variants) as [BlobVariant, { bytes: Buffer; contentType: string }][]) {
      stored[variant] = await this.put(record._id, variant, dataKey, bytes, contentType);
    }
    return stored;
  }

  /**
   * A variant's plain bytes and type, or undefined when the document has no such variant (never
   * made, destroyed, or its blob missing). `offThread` decrypts on the thread pool (workers).
   */
  async readVariant(record: VaultRecord, variant: BlobVariant, { offThread = false } = {}): Promise<{ bytes: Buffer; contentType: string | undefined } | undefined> {
    const blob = record.blobs?.[variant];
    if (!blob?.iv || !blob.tag || !record.dataKey || record.shreddedAt) return undefined;
    const ciphertext = await this.store.get(blobName(record._id, variant));
    if (!ciphertext) return undefined;
    const dataKey = unwrapDataKey(this.ring, record.dataKey as WrappedKey);
    const sealed = { iv: blob.iv, tag: blob.tag, ciphertext };
    const aad = aadFor(record._id, variant);
    const bytes = offThread ? await decryptBufferOffThread(dataKey, sealed, aad) : decryptBuffer(dataKey, sealed, aad);
    return { bytes, contentType: blob.contentType ?? undefined };
  }

  /** Deletes every blob of a document (idempotent). Its record's data key is removed by the caller first: crypto-shredding. */
  async shred(documentId: string): Promise<void> {
    await this.store.deleteDocument(documentId);
  }

  private async put(documentId: string, variant: BlobVariant, dataKey: Buffer, bytes: Buffer, contentType: string): Promise<SealedVariant> {
    const sealed = encryptBuffer(dataKey, bytes, aadFor(documentId, variant));
    await this.store.put(blobName(documentId, variant), sealed.ciphertext);
    return { iv: sealed.iv, tag: sealed.tag, size: sealed.ciphertext.length, contentType };
  }
}

const vaults = new WeakMap<object, DocumentVault>();

/** This process's vault for `config` (one blob store per process, storage.ts). */
export function documentVault(config: Config): DocumentVault {
  let vault = vaults.get(config);
  if (!vault) {
    vault = new DocumentVault(keyRing(config), blobStore(config));
    vaults.set(config, vault);
  }
  return vault;
}

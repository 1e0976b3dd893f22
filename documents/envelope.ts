/**
 * Envelope encryption for documents at rest.
 *
 * Each document gets its own random 256-bit data key (DEK). Blobs (original, preview, thumbnail)
 * are encrypted with the DEK (AES-256-GCM); the DEK itself is stored only wrapped (encrypted)
 * under a key-encryption key (KEK) from the key ring, next to the document's record.
 *
 * - Rotation: new data keys are wrapped under `ring.currentId`; old wrapped keys name their KEK
 *   by `keyId`, so a ring holding old and new KEKs decrypts both. `rewrapDataKey` moves a DEK
 *   under the current KEK (the blobs stay as they are), after which the old KEK can go.
 * - Crypto-shredding: deleting a document's wrapped key makes its blobs unreadable everywhere,
 *   including backups.
 * - Binding: every blob is sealed with additional authenticated data (`aadFor(documentId,
 *   variant)`), so a ciphertext moved to another document or variant fails to decrypt; the
 *   wrapped DEK is bound to its `keyId` the same way.
 *
 * All binary fields of stored records are base64 strings.
 */
import { createCipheriv, createDecipheriv, randomBytes, webcrypto, type CipherGCM, type DecipherGCM } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KeyRing {
  /** The KEK new data keys are wrapped under. */
  currentId: string;
  /** KEKs by id, 32 bytes each. Keep retired KEKs here until nothing is wrapped under them. */
  keys: Map<string, Buffer>;
}

/** A data key wrapped under a KEK (AES-256-GCM). All fields but keyId are base64. */
export interface WrappedKey {
  keyId: string;
  iv: string;
  tag: string;
  key: string;
}

/** An encrypted buffer: iv and tag base64, ciphertext raw. */
export interface Sealed {
  iv: string;
  tag: string;
  ciphertext: Buffer;
}

/** Thrown when something cannot be decrypted: unknown key, tampering, wrong binding. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/** The additional authenticated data that binds a blob to its document and variant. */
export function aadFor(documentId: string, variant: string): string {
  return `${documentId}:${variant}`;
}

function wrapAad(keyId: string): Buffer {
  return Buffer.from(`dek:v1:${keyId}`, 'utf8');
}

function checkKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`${what} must be ${KEY_BYTES} bytes`);
  }
}

function decode(value: string, bytes: number, what: string): Buffer {
  const buf = Buffer.from(value, 'base64');
  if (buf.length !== bytes) throw new DecryptionError(`${what} must be ${bytes} bytes`);
  return buf;
}

function kek(ring: KeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new DecryptionError(`unknown key id "${keyId}" (not in the key ring)`);
  checkKey(key, `key "${keyId}"`);
  return key;
}

/**
 * A key ring from text, e.g. an environment variable: `id:base64key` entries separated by commas
 * or whitespace; the FIRST entry is current. Example: `k2:…,k1:…` after rotating from k1 to k2.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec.split(/[\s,;]+/).filter(Boolean);
  if (entries.length === 0) throw new Error('key ring is empty');
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const sep = entry.indexOf(':');
    if (sep <= 0) throw new Error('key ring entries must look like id:base64key');
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    checkKey(key, `key "${id}"`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  return { currentId: entries[0].slice(0, entries[0].indexOf(':')), keys };
}

/** Wraps an existing data key under the ring's current KEK (used by `newDataKey` and re-wrapping). */
export function wrapDataKey(ring: KeyRing, dataKey: Buffer): WrappedKey {
  checkKey(dataKey, 'data key');
  const keyId = ring.currentId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, kek(ring, keyId), iv, { authTagLength: TAG_BYTES }) as CipherGCM;
  cipher.setAAD(wrapAad(keyId));
  const key = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return { keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), key: key.toString('base64') };
}

/**
 * `wrapped` re-wrapped under the ring's current KEK — the same data key, so the blobs stay as
 * they are — or undefined when it already is under the current KEK. Throws `DecryptionError`
 * when the ring cannot unwrap it.
 */
export function rewrapDataKey(ring: KeyRing, wrapped: WrappedKey): WrappedKey | undefined {
  if (wrapped.keyId === ring.currentId) return undefined;
  return wrapDataKey(ring, unwrapDataKey(ring, wrapped));
}

/** A fresh random data key and its wrapped form (store only `wrapped`). */
export function newDataKey(ring: KeyRing): { dataKey: Buffer; wrapped: WrappedKey } {
  const dataKey = randomBytes(KEY_BYTES);
  return { dataKey, wrapped: wrapDataKey(ring, dataKey) };
}

/** The data key inside `wrapped`. Throws `DecryptionError` for an unknown keyId or a tampered wrap. */
export function unwrapDataKey(ring: KeyRing, wrapped: WrappedKey): Buffer {
  const key = kek(ring, wrapped.keyId);
  const decipher = createDecipheriv(ALGORITHM, key, decode(wrapped.iv, IV_BYTES, 'iv'), { authTagLength: TAG_BYTES }) as DecipherGCM;
  decipher.setAAD(wrapAad(wrapped.keyId));
  decipher.setAuthTag(decode(wrapped.tag, TAG_BYTES, 'tag'));
  try {
    const dataKey = Buffer.concat([decipher.update(Buffer.from(wrapped.key, 'base64')), decipher.final()]);
    checkKey(dataKey, 'data key');
    return dataKey;
  } catch (err) {
    throw new DecryptionError(`cannot unwrap data key under "${wrapped.keyId}": wrapped key was altered or the KEK is wrong`, { cause: err });
  }
}

export function encryptBuffer(dataKey: Buffer, plain: Buffer, aad: string): Sealed {
  checkKey(dataKey, 'data key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES }) as CipherGCM;
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext };
}

/** Throws `DecryptionError` if the ciphertext, iv or tag was altered, or `aad` differs from the one sealed with. */
export function decryptBuffer(dataKey: Buffer, sealed: Sealed, aad: string): Buffer {
  checkKey(dataKey, 'data key');
  const decipher = createDecipheriv(ALGORITHM, dataKey, decode(sealed.iv, IV_BYTES, 'iv'), { authTagLength: TAG_BYTES }) as DecipherGCM;
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(decode(sealed.tag, TAG_BYTES, 'tag'));
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (err) {
    throw new DecryptionError('cannot decrypt: the data was altered or belongs to another document', { cause: err });
  }
}

/**
 * `decryptBuffer` computed on libuv's thread pool (WebCrypto's AES-GCM), so decrypting a large
 * blob does not hold up the calling thread — the document worker's, which may also run the
 * decision path. Same format, same checks, same `DecryptionError`.
 */
export async function decryptBufferOffThread(dataKey: Buffer, sealed: Sealed, aad: string): Promise<Buffer> {
  checkKey(dataKey, 'data key');
  const iv = decode(sealed.iv, IV_BYTES, 'iv');
  const tag = decode(sealed.tag, TAG_BYTES, 'tag');
  const key = await webcrypto.subtle.importKey('raw', dataKey, 'AES-GCM', false, ['decrypt']);
  try {
    const plain = await webcrypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: Buffer.from(aad, 'utf8'), tagLength: TAG_BYTES * 8 },
      key,
      Buffer.concat([sealed.ciphertext, tag]), // WebCrypto takes the tag after the ciphertext
    );
    return Buffer.from(plain);
  } catch (err) {
    throw new DecryptionError('cannot decrypt: the data was altered or belongs to another document', { cause: err });
  }
}

/**
 * Streaming encryption: pipe plaintext through `stream`; after it has ended, `tag()` gives the
 * auth tag to store next to `iv`. (The stream is Node's GCM cipher, itself a Transform.)
 */
export function createEncryptStream(dataKey: Buffer, aad: string): { stream: CipherGCM; iv: string; tag(): string } {
  checkKey(dataKey, 'data key');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, dataKey, iv, { authTagLength: TAG_BYTES }) as CipherGCM;
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return {
    stream: cipher,
    iv: iv.toString('base64'),
    tag: () => cipher.getAuthTag().toString('base64'),
  };
}

/**
 * Streaming decryption. CAUTION: GCM authenticates only at the end — the stream emits plaintext
 * before it knows the data is genuine, and fails with an error on its final chunk if it is not.
 * Only forward its output where a late error is acceptable (e.g. an HTTP body that is then
 * aborted); buffer with `decryptBuffer` when the plaintext must be trusted before use.
 */
export function createDecryptStream(dataKey: Buffer, sealed: { iv: string; tag: string }, aad: string): DecipherGCM {
  checkKey(dataKey, 'data key');
  const decipher = createDecipheriv(ALGORITHM, dataKey, decode(sealed.iv, IV_BYTES, 'iv'), { authTagLength: TAG_BYTES }) as DecipherGCM;
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(decode(sealed.tag, TAG_BYTES, 'tag'));
  return decipher;
}

/** The document vault (documents/vault.ts) over an in-memory blob store: what it stores, what it reads back, what binds a blob to its place. */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { BlobStore } from '../../documents/blobStore';
import { DocumentVault, type VaultRecord } from '../../documents/vault';

class MemoryStore implements BlobStore {
  readonly location = 'memory';
  readonly blobs = new Map<string, Buffer>();
  async put(name: string, bytes: Buffer) {
    this.blobs.set(name, Buffer.from(bytes));
  }
  async get(name: string) {
    return this.blobs.get(name);
  }
  async deleteDocument(documentId: string) {
    for (const name of [...this.blobs.keys()]) if (name.startsWith(`${documentId}/`)) this.blobs.delete(name);
  }
}

const ring = { currentId: 'k1', keys: new Map([['k1', randomBytes(32)]]) };
const idA = 'doc_AAAAAAAAAAAAAAAA';
const idB = 'doc_BBBBBBBBBBBBBBBB';

describe('document vault', () => {
  it('seals an original under a fresh wrapped key, stores only ciphertext under <documentId>/original, and reads it back', async () => {
    const store = new MemoryStore();
    const vault = new DocumentVault(ring, store);
    const plain = Buffer.from('a photo of a passport');
    const sealed = await vault.seal(idA, plain, 'image/jpeg');
    expect(sealed.dataKey.keyId).to.equal('k1');
    expect([...store.blobs.keys()]).to.deep.equal([`${idA}/original`]);
    expect(store.blobs.get(`${idA}/original`)!.includes(plain)).to.equal(false);
    const record: VaultRecord = { _id: idA, ...sealed };
    const read = await vault.readVariant(record, 'original');
    expect(read?.bytes.equals(plain)).to.equal(true);
    expect(read?.contentType).to.equal('image/jpeg');
    expect((await vault.readVariant(record, 'original', { offThread: true }))?.bytes.equals(plain)).to.equal(true);
  });

  it('stores variants under the document’s own key, and has nothing for a variant never made or a shredded document', async () => {
    const store = new MemoryStore();
    const vault = new DocumentVault(ring, store);
    const sealed = await vault.seal(idA, Buffer.from('original'), 'image/png');
    const record: VaultRecord = { _id: idA, ...sealed };
    expect(await vault.readVariant(record, 'preview')).to.equal(undefined);
    const variants = await vault.storeVariants(record, { preview: { bytes: Buffer.from('preview'), contentType: 'image/jpeg' } });
    const withPreview: VaultRecord = { ...record, blobs: { ...sealed.blobs, ...variants } };
    expect((await vault.readVariant(withPreview, 'preview'))?.bytes.toString()).to.equal('preview');
    await vault.shred(idA);
    expect(store.blobs.size).to.equal(0);
    expect(await vault.readVariant(withPreview, 'original')).to.equal(undefined);
    expect(await vault.readVariant({ ...withPreview, shreddedAt: new Date() }, 'preview')).to.equal(undefined);
  });

  it('binds each blob to its document and variant: a blob moved elsewhere does not decrypt', async () => {
    const store = new MemoryStore();
    const vault = new DocumentVault(ring, store);
    const sealed = await vault.seal(idA, Buffer.from('bytes of A'), 'image/jpeg');
    // Someone with write access to the store copies A's blob under B's name, and A's record to B.
    store.blobs.set(`${idB}/original`, store.blobs.get(`${idA}/original`)!);
    let error: unknown;
    try {
      await vault.readVariant({ _id: idB, ...sealed }, 'original');
    } catch (caught) {
      error = caught;
    }
    expect(error, 'decrypting a moved blob must fail').to.be.instanceOf(Error);
  });

  it('refuses a name that is not a document id before it reaches the store', async () => {
    const vault = new DocumentVault(ring, new MemoryStore());
    let error: unknown;
    try {
      await vault.seal('../../etc/passwd', Buffer.from('x'), 'image/jpeg');
    } catch (caught) {
      error = caught;
    }
    expect((error as Error)?.name).to.equal('InvalidBlobName');
  });
});

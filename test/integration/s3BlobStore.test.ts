/**
 * The S3 blob store against a real S3-protocol server (gofakes3 from stack/s3, over HTTP on
 * loopback), configured the way production configures it: S3_BUCKET, S3_ENDPOINT,
 * S3_FORCE_PATH_STYLE, credentials from the AWS SDK's default chain.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { createBlobStore, type BlobStore } from '../../documents/storage';
import { InvalidBlobName } from '../../documents/blobStore';
import { S3BlobStore } from '../../documents/s3BlobStore';
import { startTestS3, type TestS3 } from '../../stack/s3';

const newId = () => `doc_${randomBytes(12).toString('base64url')}`;

describe('S3 blob store (integration, S3-protocol server)', function () {
  this.timeout(120_000);
  let dir: string;
  let s3: TestS3;
  let store: BlobStore;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async function () {
    this.timeout(600_000); // builds the server once when it is not cached
    dir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-s3-'));
    s3 = await startTestS3({ bucket: 'fraud-documents', logDir: dir });
    // The SDK's default credential chain, as in production (docker-compose.yml sets these two).
    process.env.AWS_ACCESS_KEY_ID = 'fraud-engine';
    process.env.AWS_SECRET_ACCESS_KEY = randomBytes(24).toString('hex');
    const config = loadConfig({ DATA_DIR: dir, S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' });
    expect(config.blobs).to.include({ kind: 's3', bucket: 'fraud-documents', region: 'us-east-1', forcePathStyle: true });
    store = createBlobStore(config.blobs);
    expect(store).to.be.instanceOf(S3BlobStore);
  });

  after(async () => {
    (store as S3BlobStore | undefined)?.close();
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('stores and reads back a photo-sized blob, byte for byte', async () => {
    const id = newId();
    const bytes = randomBytes(1_900_000);
    await store.put(`${id}/original`, bytes);
    const read = await store.get(`${id}/original`);
    expect(read).to.be.instanceOf(Buffer);
    expect(read!.equals(bytes)).to.equal(true);
  });

  it('replaces a blob on a second put (a retried activity re-encrypts)', async () => {
    const id = newId();
    await store.put(`${id}/preview`, Buffer.from('first'));
    await store.put(`${id}/preview`, Buffer.from('second, longer'));
    expect((await store.get(`${id}/preview`))?.toString()).to.equal('second, longer');
  });

  it('answers undefined for a blob that is not there', async () => {
    expect(await store.get(`${newId()}/original`)).to.equal(undefined);
  });

  it("deletes every variant of a document, idempotently, and nobody else's", async () => {
    const [id, other] = [newId(), newId()];
    for (const variant of ['original', 'preview', 'thumbnail']) await store.put(`${id}/${variant}`, randomBytes(1000));
    await store.put(`${other}/original`, Buffer.from('keep me'));
    await store.deleteDocument(id);
    for (const variant of ['original', 'preview', 'thumbnail']) expect(await store.get(`${id}/${variant}`), variant).to.equal(undefined);
    await store.deleteDocument(id); // again: nothing left to delete is fine
    await store.deleteDocument(newId()); // never stored
    expect((await store.get(`${other}/original`))?.toString()).to.equal('keep me');
  });

  it('refuses names that are not <documentId>/<variant> before any request', async () => {
    for (const name of ['../etc/passwd', `${newId()}/../x`, `${newId()}/secret`, 'doc_x/original', `${newId()}`]) {
      let error: unknown;
      await store.put(name, Buffer.from('x')).catch((e: unknown) => (error = e));
      expect(error, name).to.be.instanceOf(InvalidBlobName);
    }
    let error: unknown;
    await store.deleteDocument('doc_../../x').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(InvalidBlobName);
  });

  it('reports a missing bucket as an error, not as a missing blob', async () => {
    const wrong = createBlobStore({ kind: 's3', bucket: 'no-such-bucket', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true }) as S3BlobStore;
    try {
      let error: unknown;
      await wrong.get(`${newId()}/original`).catch((e: unknown) => (error = e));
      expect(error, 'get from a missing bucket').to.be.instanceOf(Error);
      expect((error as Error).name).to.equal('NoSuchBucket');
    } finally {
      wrong.close();
    }
  });
});

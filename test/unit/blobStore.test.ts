/** Blob names (checked strictly before they reach a path or a key) and the filesystem blob store, on a real directory. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blobName, checkDocumentId, InvalidBlobName, parseBlobName } from '../../documents/blobStore';
import { FileBlobStore } from '../../documents/fileBlobStore';

const newId = () => `doc_${randomBytes(12).toString('base64url')}`;
const ID = 'doc_AbCdEfGh-_012345';

describe('blob names', () => {
  it('accepts <documentId>/<variant> for the known variants', () => {
    for (const variant of ['original', 'preview', 'thumbnail'] as const) {
      expect(parseBlobName(`${ID}/${variant}`)).to.deep.equal({ documentId: ID, variant });
      expect(blobName(ID, variant)).to.equal(`${ID}/${variant}`);
    }
    expect(parseBlobName(`${newId()}/original`).variant).to.equal('original');
  });

  it('refuses anything else: traversal, other alphabets, unknown variants, extra parts', () => {
    const refused = [
      '',
      'original',
      `${ID}`,
      `${ID}/`,
      `/${ID}/original`,
      `${ID}/original/`,
      `${ID}/original/x`,
      `${ID}/Original`,
      `${ID}/secret`,
      `${ID}/../original`,
      `../${ID}/original`,
      '../../etc/passwd',
      `doc_../../../etc/original`,
      `doc_AbCdEfGh.012345/original`,
      `doc_AbCdEfGh/0123456/original`,
      `doc_AbCdEfGh\\0123456/original`,
      `${ID}\\original`,
      `${ID}/original\0`,
      `${ID} /original`,
      `doc_ÄbCdEfGh-_012345/original`,
      'doc_short/original',
      `doc_${'a'.repeat(65)}/original`,
      `chk_AbCdEfGh-_012345/original`,
      `DOC_AbCdEfGh-_012345/original`,
    ];
    for (const name of refused) expect(() => parseBlobName(name), JSON.stringify(name)).to.throw(InvalidBlobName);
    for (const id of ['', 'doc_', '..', `${ID}/original`, 'doc_../../x', `${ID}.`]) {
      expect(() => checkDocumentId(id), JSON.stringify(id)).to.throw(InvalidBlobName);
      expect(() => blobName(id, 'original'), JSON.stringify(id)).to.throw(InvalidBlobName);
    }
  });
});

describe('filesystem blob store', () => {
  let root: string;
  let store: FileBlobStore;

  beforeEach(() => {
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'blobs-')), 'blobs'); // made by the first put
    store = new FileBlobStore(root);
  });
  afterEach(() => rmSync(path.dirname(root), { recursive: true, force: true }));

  it('stores a blob as <root>/<documentId>/<variant>, readable by this process only, and reads it back', async () => {
    const id = newId();
    const bytes = randomBytes(1_900_000);
    await store.put(`${id}/original`, bytes);
    const file = path.join(root, id, 'original');
    expect(readFileSync(file).equals(bytes)).to.equal(true);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(path.join(root, id)).mode & 0o777).to.equal(0o700);
    expect((await store.get(`${id}/original`))!.equals(bytes)).to.equal(true);
    expect(readdirSync(path.join(root, id))).to.deep.equal(['original']); // no temporary file left
  });

  it('replaces on a second put, and answers undefined for what is not there', async () => {
    const id = newId();
    await store.put(`${id}/preview`, Buffer.from('first, and longer'));
    await store.put(`${id}/preview`, Buffer.from('second'));
    expect((await store.get(`${id}/preview`))!.toString()).to.equal('second');
    expect(await store.get(`${id}/thumbnail`)).to.equal(undefined);
    expect(await store.get(`${newId()}/original`)).to.equal(undefined);
  });

  it("deletes a document's directory, idempotently, and nobody else's", async () => {
    const [id, other] = [newId(), newId()];
    for (const variant of ['original', 'preview', 'thumbnail']) await store.put(`${id}/${variant}`, randomBytes(100));
    await store.put(`${other}/original`, Buffer.from('keep me'));
    await store.deleteDocument(id);
    expect(existsSync(path.join(root, id))).to.equal(false);
    await store.deleteDocument(id);
    await store.deleteDocument(newId());
    expect((await store.get(`${other}/original`))!.toString()).to.equal('keep me');
  });

  it('refuses a bad name before touching the disk', async () => {
    for (const name of ['../escape/original', `${newId()}/../../escape`, `${newId()}/other`]) {
      let error: unknown;
      await store.put(name, Buffer.from('x')).catch((e: unknown) => (error = e));
      expect(error, name).to.be.instanceOf(InvalidBlobName);
      await store.get(name).then(
        () => expect.fail(`get ${name}`),
        (e: unknown) => expect(e).to.be.instanceOf(InvalidBlobName),
      );
    }
    await store.deleteDocument('..').then(
      () => expect.fail('delete ..'),
      (e: unknown) => expect(e).to.be.instanceOf(InvalidBlobName),
    );
    expect(existsSync(root)).to.equal(false);
  });

  it('never shows a reader part of a blob while puts replace it (20 trials)', async function () {
    this.timeout(60_000); // every put fsyncs: slow on a busy disk
    const size = 256 * 1024;
    for (let trial = 0; trial < 20; trial++) {
      const name = `${newId()}/original`;
      const versions = [0x11, 0x22, 0x33].map((fill) => Buffer.alloc(size, fill));
      await store.put(name, versions[0]);
      let writing = true;
      const writer = (async () => {
        for (const v of versions.slice(1)) await Promise.all([store.put(name, v), store.put(name, v)]);
        writing = false;
      })();
      const seen = new Set<number>();
      const readers = Array.from({ length: 3 }, async () => {
        do {
          const read = await store.get(name);
          expect(read, `trial ${trial}: a blob that exists`).to.be.instanceOf(Buffer);
          expect(read!.length, `trial ${trial}: length`).to.equal(size);
          const version = versions.find((v) => v[0] === read![0]);
          expect(version && read!.equals(version), `trial ${trial}: one version throughout`).to.equal(true);
          seen.add(read![0]);
        } while (writing);
      });
      await Promise.all([writer, ...readers]);
      expect((await store.get(name))![0]).to.equal(0x33);
      expect(readdirSync(path.join(root, parseBlobName(name).documentId)), `trial ${trial}: leftovers`).to.deep.equal(['original']);
      expect(seen.size).to.be.at.least(1);
    }
  });

  it('survives a put racing the deletion of its document: whole or gone, nothing left half-written (20 trials)', async function () {
    this.timeout(60_000);
    for (let trial = 0; trial < 20; trial++) {
      const id = newId();
      const bytes = randomBytes(500_000);
      await store.put(`${id}/original`, bytes);
      await Promise.all([store.put(`${id}/preview`, bytes), store.deleteDocument(id), store.put(`${id}/thumbnail`, bytes)]);
      const dir = path.join(root, id);
      const left = existsSync(dir) ? readdirSync(dir) : [];
      expect(left.filter((f) => f.endsWith('.tmp')), `trial ${trial}: temporary files`).to.deep.equal([]);
      for (const variant of ['preview', 'thumbnail']) {
        const read = await store.get(`${id}/${variant}`);
        if (read) expect(read.equals(bytes), `trial ${trial}: ${variant} whole`).to.equal(true);
      }
    }
  });
});

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  aadFor,
  createDecryptStream,
  createEncryptStream,
  DecryptionError,
  decryptBuffer,
  decryptBufferOffThread,
  encryptBuffer,
  newDataKey,
  parseKeyRing,
  rewrapDataKey,
  unwrapDataKey,
  wrapDataKey,
  type KeyRing,
} from '../../documents/envelope';

function ring(currentId: string, ...ids: string[]): KeyRing {
  return { currentId, keys: new Map(ids.map((id) => [id, randomBytes(32)])) };
}

function flip(b64: string, at = 0): string {
  const buf = Buffer.from(b64, 'base64');
  buf[at] ^= 0x01;
  return buf.toString('base64');
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('documents: envelope encryption', () => {
  const plain = Buffer.from('passport scan bytes '.repeat(1000));
  const aad = aadFor('doc_1', 'original');

  it('wraps a fresh 32-byte data key and unwraps it again', () => {
    const r = ring('k1', 'k1');
    const { dataKey, wrapped } = newDataKey(r);
    expect(dataKey).to.have.length(32);
    expect(wrapped.keyId).to.equal('k1');
    expect(Buffer.from(wrapped.iv, 'base64')).to.have.length(12);
    expect(Buffer.from(wrapped.tag, 'base64')).to.have.length(16);
    expect(Buffer.from(wrapped.key, 'base64').equals(dataKey)).to.equal(false);
    expect(unwrapDataKey(r, wrapped).equals(dataKey)).to.equal(true);
    expect(newDataKey(r).dataKey.equals(dataKey)).to.equal(false);
  });

  it('round-trips a buffer', () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const sealed = encryptBuffer(dataKey, plain, aad);
    expect(sealed.ciphertext.length).to.equal(plain.length);
    expect(sealed.ciphertext.includes(Buffer.from('passport'))).to.equal(false);
    expect(decryptBuffer(dataKey, sealed, aad).equals(plain)).to.equal(true);
    // a fresh IV each time
    expect(encryptBuffer(dataKey, plain, aad).iv).to.not.equal(sealed.iv);
  });

  it('throws on tampered ciphertext, tag or iv', () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const sealed = encryptBuffer(dataKey, plain, aad);
    const ciphertext = Buffer.from(sealed.ciphertext);
    ciphertext[100] ^= 0x80;
    expect(() => decryptBuffer(dataKey, { ...sealed, ciphertext }, aad)).to.throw(DecryptionError);
    expect(() => decryptBuffer(dataKey, { ...sealed, tag: flip(sealed.tag) }, aad)).to.throw(DecryptionError);
    expect(() => decryptBuffer(dataKey, { ...sealed, iv: flip(sealed.iv) }, aad)).to.throw(DecryptionError);
    // a truncated tag is refused, not accepted as a shorter tag
    expect(() => decryptBuffer(dataKey, { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64') }, aad)).to.throw(DecryptionError);
  });

  it('decrypts off the calling thread to the same bytes, and refuses what the synchronous one refuses', async () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const sealed = encryptBuffer(dataKey, plain, aad);
    expect((await decryptBufferOffThread(dataKey, sealed, aad)).equals(plain)).to.equal(true);
    const ciphertext = Buffer.from(sealed.ciphertext);
    ciphertext[100] ^= 0x80;
    const refusals = [
      { ...sealed, ciphertext },
      { ...sealed, tag: flip(sealed.tag) },
      { ...sealed, iv: flip(sealed.iv) },
      { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64') },
    ];
    for (const bad of refusals) {
      const error = await decryptBufferOffThread(dataKey, bad, aad).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(DecryptionError);
    }
    const moved = await decryptBufferOffThread(dataKey, sealed, aadFor('doc_1', 'preview')).then(() => undefined, (e: unknown) => e);
    expect(moved).to.be.instanceOf(DecryptionError);
  });

  it('throws with the wrong aad (a blob moved to another document or variant)', () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const sealed = encryptBuffer(dataKey, plain, aad);
    expect(() => decryptBuffer(dataKey, sealed, aadFor('doc_2', 'original'))).to.throw(DecryptionError);
    expect(() => decryptBuffer(dataKey, sealed, aadFor('doc_1', 'preview'))).to.throw(DecryptionError);
  });

  it('throws with another data key', () => {
    const r = ring('k1', 'k1');
    const sealed = encryptBuffer(newDataKey(r).dataKey, plain, aad);
    expect(() => decryptBuffer(newDataKey(r).dataKey, sealed, aad)).to.throw(DecryptionError);
  });

  it('throws a clear error for an unknown key id', () => {
    const { wrapped } = newDataKey(ring('k1', 'k1'));
    expect(() => unwrapDataKey(ring('k9', 'k9'), wrapped)).to.throw(DecryptionError, /unknown key id "k1"/);
  });

  it('throws when a wrapped key is altered or relabelled to another KEK', () => {
    const r = ring('k1', 'k1', 'k2');
    const { wrapped } = newDataKey(r);
    expect(() => unwrapDataKey(r, { ...wrapped, key: flip(wrapped.key) })).to.throw(DecryptionError);
    expect(() => unwrapDataKey(r, { ...wrapped, keyId: 'k2' })).to.throw(DecryptionError);
  });

  it('rotation: a ring with the old and new KEK unwraps keys of both; re-wrapping moves a key', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const before: KeyRing = { currentId: 'k1', keys: new Map([['k1', k1]]) };
    const old = newDataKey(before);
    const sealedOld = encryptBuffer(old.dataKey, plain, aad);

    const after: KeyRing = { currentId: 'k2', keys: new Map([['k1', k1], ['k2', k2]]) };
    const fresh = newDataKey(after);
    expect(fresh.wrapped.keyId).to.equal('k2');
    expect(decryptBuffer(unwrapDataKey(after, old.wrapped), sealedOld, aad).equals(plain)).to.equal(true);
    expect(unwrapDataKey(after, fresh.wrapped).equals(fresh.dataKey)).to.equal(true);

    const rewrapped = wrapDataKey(after, unwrapDataKey(after, old.wrapped));
    expect(rewrapped.keyId).to.equal('k2');
    const retired: KeyRing = { currentId: 'k2', keys: new Map([['k2', k2]]) };
    expect(decryptBuffer(unwrapDataKey(retired, rewrapped), sealedOld, aad).equals(plain)).to.equal(true);
  });

  it('rewrapDataKey: moves a data key under the current KEK, leaves one already there, refuses an unknown KEK', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);
    const old = newDataKey({ currentId: 'k1', keys: new Map([['k1', k1]]) });
    const sealed = encryptBuffer(old.dataKey, plain, aad);
    const after: KeyRing = { currentId: 'k2', keys: new Map([['k1', k1], ['k2', k2]]) };
    const moved = rewrapDataKey(after, old.wrapped)!;
    expect(moved.keyId).to.equal('k2');
    expect(rewrapDataKey(after, moved)).to.equal(undefined);
    const onlyNew: KeyRing = { currentId: 'k2', keys: new Map([['k2', k2]]) };
    expect(decryptBuffer(unwrapDataKey(onlyNew, moved), sealed, aad).equals(plain)).to.equal(true);
    expect(() => rewrapDataKey(onlyNew, old.wrapped)).to.throw(DecryptionError, /unknown key id "k1"/);
  });

  it('parses a key ring from text, first entry current', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const r = parseKeyRing(`k2:${b.toString('base64')}, k1:${a.toString('base64')}`);
    expect(r.currentId).to.equal('k2');
    expect(r.keys.get('k1')?.equals(a)).to.equal(true);
    expect(() => parseKeyRing('')).to.throw(/empty/);
    expect(() => parseKeyRing(`k1:${randomBytes(16).toString('base64')}`)).to.throw(/32 bytes/);
    expect(() => parseKeyRing(`k1:${a.toString('base64')},k1:${b.toString('base64')}`)).to.throw(/twice/);
  });

  it('streams: encrypts and decrypts in chunks, compatible with the buffer functions', async () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const enc = createEncryptStream(dataKey, aad);
    const chunks = Array.from({ length: 20 }, (_, i) => plain.subarray(i * 1000, (i + 1) * 1000));
    const collected = collect(enc.stream);
    await pipeline(Readable.from(chunks), enc.stream);
    const ciphertext = await collected;
    const sealed = { iv: enc.iv, tag: enc.tag(), ciphertext };
    expect(decryptBuffer(dataKey, sealed, aad).equals(plain)).to.equal(true);

    const dec = createDecryptStream(dataKey, sealed, aad);
    const out = collect(dec);
    await pipeline(Readable.from([ciphertext.subarray(0, 7000), ciphertext.subarray(7000)]), dec);
    expect((await out).equals(plain)).to.equal(true);
  });

  it('streams: a tampered stream fails at the end', async () => {
    const { dataKey } = newDataKey(ring('k1', 'k1'));
    const sealed = encryptBuffer(dataKey, plain, aad);
    const ciphertext = Buffer.from(sealed.ciphertext);
    ciphertext[5] ^= 1;
    const dec = createDecryptStream(dataKey, sealed, aad);
    dec.resume();
    let failed = false;
    try {
      await pipeline(Readable.from([ciphertext]), dec);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
  });
});

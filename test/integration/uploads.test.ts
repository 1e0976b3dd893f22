/**
 * Issue 8, point 7 (uploads): who pays for an upload, how much memory uploads may hold, and what
 * a failed or repeated upload leaves behind — through HTTP against the real servers. Each test
 * runs its own API process, so its per-process limits start fresh.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import sharp from 'sharp';
import { call, type Reply } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { suspiciousOrder } from '../fixtures/orders';
import { documentJpeg, tinyJpeg } from '../fixtures/images';
import { UPLOAD_MEMORY_BUDGET_BYTES } from '../../api/routes/verification';

type Api = Awaited<ReturnType<Harness['startApi']>>;

const MB = 1024 * 1024;

/** A JPEG that differs from every other one made here (random bytes after its end marker). */
async function distinctJpeg(base: Buffer, size = base.length + 16): Promise<Buffer> {
  return Buffer.concat([base, randomBytes(Math.max(16, size - base.length))]);
}

/** Resident and peak resident memory of a process, in bytes (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function inBatches<T>(count: number, size: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => task(start + k)))));
  }
  return results;
}

describe('uploads: limits, memory, retries (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let db: mongoose.Connection;
  const apis: Api[] = [];

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) await api.service.stop();
  });
  after(async () => db?.close());

  const freshApi = async (env: NodeJS.ProcessEnv = {}) => {
    const api = await h.startApi(env);
    apis.push(api);
    return api;
  };

  const newCheck = async (api: Api) => {
    const res = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: suspiciousOrder() });
    expect(res.body.status).to.equal('awaiting_documents');
    return { checkId: res.body.checkId as string, token: res.body.verification.token as string };
  };

  const upload = (api: Api, token: string, data: Buffer, kind = 'identity'): Promise<Reply> => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([data], { type: 'image/jpeg' }), 'photo.jpg');
    return call(api.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
  };

  /** What the check's workflow lists for the link (the documents that count). */
  const listed = async (api: Api, token: string): Promise<{ documentId: string; status: string }[]> =>
    (await call(api.baseUrl, 'GET', `/v1/verification/${token}`)).body.documents;

  /** Document records and stored originals of a check, in the database. */
  const stored = async (checkId: string) => {
    const records = await db.collection('documents').find({ checkId }, { projection: { _id: 1 } }).toArray();
    const ids = records.map((r) => String(r._id));
    const blobs = ids.length ? await db.collection('documents.files').countDocuments({ filename: { $in: ids.map((id) => `${id}/original`) } }) : 0;
    return { ids, blobs };
  };

  const expectRetryLater = (res: Reply, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error.code).to.equal(code);
    expect(res.body.error.details.retryAfterSeconds).to.be.a('number').within(1, 600);
    expect(res.headers.get('retry-after')).to.equal(String(res.body.error.details.retryAfterSeconds));
  };

  it('does not charge unknown tokens to the address: a customer sharing it can still upload', async () => {
    const api = await freshApi();
    const { token } = await newCheck(api);
    const photo = await documentJpeg();
    // More requests with unknown (well-formed) links than the address's upload budget (60).
    const misses = await inBatches(70, 10, () => upload(api, randomBytes(32).toString('base64url'), Buffer.from('x')));
    expect(misses.map((r) => r.status)).to.deep.equal(Array(70).fill(404));
    const res = await upload(api, token, photo);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
  });

  it('bounds what unknown tokens cost an address: past 600 lookups in the window, 429 with retryAfterSeconds', async () => {
    const api = await freshApi();
    const misses = await inBatches(600, 25, () => upload(api, randomBytes(32).toString('base64url'), Buffer.from('x')));
    expect(misses.every((r) => r.status === 404)).to.equal(true);
    expectRetryLater(await upload(api, randomBytes(32).toString('base64url'), Buffer.from('x')), 429, 'rate_limited');
  });

  it('bounds the memory uploads hold: beyond the budget 503 with retryAfterSeconds, the rest taken, nothing half-written', async () => {
    const api = await freshApi();
    const checks = await Promise.all([newCheck(api), newCheck(api), newCheck(api)]);
    const base = await documentJpeg();
    const files = await Promise.all(Array.from({ length: 12 }, () => distinctJpeg(base, 14 * MB)));
    const before = memoryOf(api.service.pid);

    const replies = await Promise.all(files.map((file, i) => upload(api, checks[i % 3].token, file)));
    const after = memoryOf(api.service.pid);
    const statuses = replies.map((r) => r.status);
    const figures = `statuses ${statuses.join(',')}; API RSS before ${(before.rss / MB).toFixed(0)} MB, peak ${(after.peak / MB).toFixed(0)} MB`;
    expect(statuses.every((s) => s === 202 || s === 503), figures).to.equal(true);
    expect(statuses.filter((s) => s === 503).length, figures).to.be.at.least(1);
    for (const r of replies.filter((x) => x.status === 503)) expectRetryLater(r, 503, 'temporarily_unavailable');
    // Each body held is copied while it is received, encrypted and stored (about 3 times its
    // size at the peak): 12 at once would take some 500 MB; the budget keeps it to a few of them.
    expect(after.peak - before.rss, figures).to.be.below(4 * UPLOAD_MEMORY_BUDGET_BYTES);

    // Nothing of a refused upload was stored, and every taken one is complete and listed.
    for (const [i, check] of checks.entries()) {
      const taken = replies.filter((r, k) => k % 3 === i && r.status === 202).map((r) => r.body.documentId as string);
      const { ids, blobs } = await stored(check.checkId);
      expect(ids.sort(), figures).to.deep.equal([...taken].sort());
      expect(blobs, figures).to.equal(taken.length);
      expect((await listed(api, check.token)).map((d) => d.documentId).sort(), figures).to.deep.equal([...taken].sort());
    }
    // Retry-After is honest: sent again one at a time, the refused ones are taken.
    for (const [k, r] of replies.entries()) {
      if (r.status !== 503) continue;
      const again = await upload(api, checks[k % 3].token, files[k]);
      expect(again.status, JSON.stringify(again.body)).to.equal(202);
    }
    for (const check of checks) expect(await listed(api, check.token)).to.have.length(4);
  });

  it('never doubles a document when the same file is sent again, at once or later (20 trials)', async () => {
    const api = await freshApi();
    const base = await tinyJpeg();
    for (let trial = 0; trial < 20; trial++) {
      const { checkId, token } = await newCheck(api);
      const file = await distinctJpeg(base);
      const replies = trial % 2 === 0 ? await Promise.all([upload(api, token, file), upload(api, token, file)]) : [await upload(api, token, file), await upload(api, token, file)];
      expect(replies.map((r) => r.status), `trial ${trial}`).to.deep.equal([202, 202]);
      expect(replies[1].body.documentId, `trial ${trial}`).to.equal(replies[0].body.documentId);
      expect((await listed(api, token)).map((d) => d.documentId), `trial ${trial}`).to.deep.equal([replies[0].body.documentId]);
      const { ids, blobs } = await stored(checkId);
      expect(ids, `trial ${trial}`).to.deep.equal([replies[0].body.documentId]);
      expect(blobs, `trial ${trial}`).to.equal(1);
    }
  });

  it('deletes a stored file when the workflow refuses it, and nothing else', async () => {
    const api = await freshApi();
    const { checkId, token } = await newCheck(api);
    const base = await tinyJpeg();
    const taken: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await upload(api, token, await distinctJpeg(base));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      taken.push(res.body.documentId);
    }
    // The workflow's validator refuses a 13th upload in one round: definitely not taken.
    const refused = await upload(api, token, await distinctJpeg(base));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(409);
    expect(refused.body.error.code).to.equal('invalid_state');
    const { ids, blobs } = await stored(checkId);
    expect(ids.sort()).to.deep.equal([...taken].sort());
    expect(blobs).to.equal(12);
  });

  it('keeps a file whose hand-over was not confirmed, answers 503, and sending it again yields one document (5 trials)', async () => {
    // An API that gives the workflow no time to confirm: the update may or may not land.
    const impatient = await freshApi({ UPLOAD_CONFIRM_TIMEOUT: '1ms' });
    const api = await freshApi();
    const photo = await documentJpeg();
    for (let trial = 0; trial < 5; trial++) {
      const { checkId, token } = await newCheck(api);
      const file = await sharp(photo).modulate({ hue: 20 * (trial + 1) }).jpeg({ quality: 90 }).toBuffer();
      const first = await upload(impatient, token, file);
      expectRetryLater(first, 503, 'temporarily_unavailable');
      const kept = await stored(checkId);
      expect(kept.ids, `trial ${trial}: the file was kept`).to.have.length(1);
      expect(kept.blobs, `trial ${trial}`).to.equal(1);

      const again = await upload(api, token, file);
      expect(again.status, `trial ${trial}: ${JSON.stringify(again.body)}`).to.equal(202);
      const documents = await eventually(async () => {
        const docs = await listed(api, token);
        return docs.length === 1 && docs[0].status !== 'processing' ? docs : undefined;
      }, 60_000, 'the document to be processed');
      expect(documents.map((d) => d.documentId), `trial ${trial}`).to.deep.equal([again.body.documentId]);
      expect(documents[0].status, `trial ${trial}`).to.equal('accepted');
      // The first copy is the listed one (the update landed) or is kept unlisted until retention.
      const after = await stored(checkId);
      expect(after.ids, `trial ${trial}`).to.include(again.body.documentId);
      expect(after.ids.length, `trial ${trial}`).to.be.within(1, 2);
    }
  });
});

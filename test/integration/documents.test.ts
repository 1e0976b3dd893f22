/** Customers prove it: the link, uploads, hostile files, the document pipeline, e-mail — through HTTP and real servers. */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import sharp from 'sharp';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { call, type Reply } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { suspiciousOrder } from '../fixtures/orders';
import {
  documentJpeg,
  exifJpeg,
  HTML_PAYLOAD,
  jpegWithHtml,
  blurredJpeg,
  nearDuplicateJpeg,
  pixelBombPng,
  truncatedJpeg,
  differentJpeg,
} from '../fixtures/images';

describe('customer verification (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let db: mongoose.Connection;
  let senior: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    senior = await h.token('sen_eve', 'senior');
  });
  after(async () => db?.close());

  const newCheck = async (baseUrl = h.baseUrl, overrides: Record<string, unknown> = {}) => {
    const order = suspiciousOrder(overrides);
    const res = await call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(res.body.status).to.equal('awaiting_documents');
    return { order, check: res.body, token: res.body.verification.token as string };
  };

  const upload = async (token: string, kind: string, data: Buffer, filename = 'photo.jpg', type = 'image/jpeg'): Promise<Reply> => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([data], { type }), filename);
    return call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
  };

  const documentStatus = (token: string, documentId: string) =>
    eventually(async () => {
      const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
      const doc = page.body.documents?.find((d: { documentId: string }) => d.documentId === documentId);
      return doc && doc.status !== 'processing' ? doc : undefined;
    }, 60_000, `processing of ${documentId}`);

  const healthy = async () => {
    expect((await call(h.baseUrl, 'GET', '/healthz')).status).to.equal(200);
    expect((await call(h.baseUrl, 'GET', '/readyz')).status).to.equal(200);
  };

  it('e-mails the link, shows what is asked, accepts good photos and moves to in_review when all are in', async () => {
    const { order, check, token } = await newCheck();
    const mail = await eventually(() => h.mail.to(order.customer.email as string)[0], 20_000, 'verification e-mail');
    expect(decodeQuotedPrintable(mail.raw)).to.include(check.verification.uploadUrl);
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
    expect(page.status).to.equal(200);
    expect(page.body.status).to.equal('awaiting_documents');
    expect(page.body.requested).to.deep.equal(check.verification.requested);
    expect(page.body.expiresAt).to.equal(check.verification.expiresAt);
    expect(page.body.documents).to.deep.equal([]);

    const ids: string[] = [];
    for (const [i, kind] of (check.verification.requested as string[]).entries()) {
      const res = await upload(token, kind, await sharp(await differentJpeg()).modulate({ hue: 40 * (i + 1) }).rotate(90 * i).jpeg().toBuffer());
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      expect(res.body).to.include({ kind, status: 'processing' });
      expect(res.body.documentId).to.match(/^doc_/);
      ids.push(res.body.documentId);
    }
    for (const id of ids) expect((await documentStatus(token, id)).status).to.equal('accepted');
    const inReview = await eventually(async () => {
      const c = await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
      return c.body.status === 'in_review' ? c : undefined;
    }, 20_000, 'in_review');
    expect(inReview.body.timeline.at(-1)).to.include({ event: 'documents_received', to: 'in_review' });
    // The link no longer takes uploads.
    const late = await upload(token, 'identity', await documentJpeg());
    expect(late.status).to.equal(409);
    expect(late.body.error.code).to.equal('invalid_state');
  });

  it('refuses each hostile input as the contract says, in bounded time, and stays healthy', async () => {
    const { token } = await newCheck();
    const cases: [string, () => Promise<Reply>, number, string][] = [
      ['text disguised as JPEG', async () => upload(token, 'identity', Buffer.from('just some text, not an image\n'.repeat(50))), 415, 'unsupported_type'],
      ['a zero-byte file', async () => upload(token, 'identity', Buffer.alloc(0)), 400, 'invalid_request'],
      ['a 30 MB file', async () => upload(token, 'identity', Buffer.concat([await documentJpeg(), randomBytes(30 * 1024 * 1024)])), 413, 'file_too_large'],
      ['a PNG claiming 60 000 × 60 000 pixels', async () => upload(token, 'identity', pixelBombPng(), 'bomb.png', 'image/png'), 413, 'file_too_large'],
      ['an unknown kind', async () => upload(token, 'selfie', await documentJpeg()), 400, 'invalid_request'],
      ['a kind that was not requested', async () => upload((await newCheck(h.baseUrl, { payment: undefined, shippingAddress: undefined })).token, 'payment_ownership', await documentJpeg()), 400, 'invalid_request'],
      ['no file at all', async () => call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: (() => { const f = new FormData(); f.append('kind', 'identity'); return f; })() }), 400, 'invalid_request'],
      ['two files', async () => {
        const f = new FormData();
        f.append('kind', 'identity');
        f.append('file', new Blob([await documentJpeg()]), 'a.jpg');
        f.append('file', new Blob([await documentJpeg()]), 'b.jpg');
        return call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: f });
      }, 400, 'invalid_request'],
      ['an unknown token', async () => upload('A'.repeat(43), 'identity', await documentJpeg()), 404, 'not_found'],
      ['a malformed token', async () => upload('../../etc', 'identity', await documentJpeg()), 404, 'not_found'],
    ];
    for (const [name, run, status, code] of cases) {
      const started = Date.now();
      const res = await run();
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).to.equal(status);
      expect(res.body.error.code, name).to.equal(code);
      expect(res.body.error.message, name).to.be.a('string').and.not.empty;
      expect(Date.now() - started, `${name} took too long`).to.be.below(10_000);
    }
    await healthy();
    // Nothing half-written: none of these left a document behind.
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
    expect(page.body.documents).to.deep.equal([]);
  });

  it('limits uploads per link: 429 rate_limited past 20 in 10 minutes', async () => {
    const { token } = await newCheck();
    const replies: Reply[] = [];
    for (let i = 0; i < 21; i++) replies.push(await upload(token, 'selfie', Buffer.from('x')));
    expect(replies.slice(0, 20).map((r) => r.status)).to.deep.equal(Array(20).fill(400));
    expect(replies[20].status).to.equal(429);
    expect(replies[20].body.error.code).to.equal('rate_limited');
    expect(replies[20].body.error.details.retryAfterSeconds).to.be.within(1, 600);
  });

  it('processes broken and polyglot files safely: truncated → unreadable, HTML appended → defanged, traversal names ignored', async () => {
    const { token, check } = await newCheck();
    const truncated = await upload(token, 'identity', await truncatedJpeg());
    expect(truncated.status).to.equal(202);
    const t = await documentStatus(token, truncated.body.documentId);
    expect(t).to.include({ status: 'rejected', reason: 'unreadable' });

    const blurry = await upload(token, 'identity', await blurredJpeg());
    expect((await documentStatus(token, blurry.body.documentId)).reason).to.equal('blurry');

    const polyglot = await upload(token, 'identity', await jpegWithHtml(), '../../../etc/passwd.jpg');
    expect(polyglot.status).to.equal(202);
    expect((await documentStatus(token, polyglot.body.documentId)).status).to.equal('accepted');
    const preview = await call(h.baseUrl, 'GET', `/v1/review/cases/${check.checkId}/documents/${polyglot.body.documentId}/content?variant=preview`, { token: senior });
    expect(preview.status).to.equal(200);
    const bytes = Buffer.from(await (await fetch(`${h.baseUrl}/v1/review/cases/${check.checkId}/documents/${polyglot.body.documentId}/content?variant=original`, { headers: { authorization: `Bearer ${senior}` } })).arrayBuffer());
    expect(bytes.includes(Buffer.from(HTML_PAYLOAD))).to.equal(true); // the original is kept as sent…
    const previewBytes = Buffer.from(await (await fetch(`${h.baseUrl}/v1/review/cases/${check.checkId}/documents/${polyglot.body.documentId}/content?variant=preview`, { headers: { authorization: `Bearer ${senior}` } })).arrayBuffer());
    expect(previewBytes.includes(Buffer.from('<script>'))).to.equal(false); // …what reviewers see is re-encoded
    // Blob names come from the document id, never from the customer's file name.
    expect(walk(path.join(h.dataDir, 'blobs')).some((f) => f.includes('passwd'))).to.equal(false);
    await healthy();
  });

  it('strips EXIF, GPS and camera data from what reviewers see; serves content with safe headers; audits every view', async () => {
    const { token, check } = await newCheck();
    const res = await upload(token, 'identity', await exifJpeg());
    await documentStatus(token, res.body.documentId);
    for (const variant of ['preview', 'thumbnail']) {
      const r = await fetch(`${h.baseUrl}/v1/review/cases/${check.checkId}/documents/${res.body.documentId}/content?variant=${variant}`, {
        headers: { authorization: `Bearer ${senior}` },
      });
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('image/jpeg');
      expect(r.headers.get('cache-control')).to.equal('no-store');
      expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(r.headers.get('content-disposition')).to.match(/^inline/);
      expect(r.headers.get('content-security-policy')).to.include("default-src 'none'");
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
      expect(meta.exif, `${variant} exif`).to.equal(undefined);
      expect(meta.xmp, `${variant} xmp`).to.equal(undefined);
      expect(meta.iptc, `${variant} iptc`).to.equal(undefined);
    }
    const reviewer = await h.token('rev_fay', 'reviewer');
    const original = await call(h.baseUrl, 'GET', `/v1/review/cases/${check.checkId}/documents/${res.body.documentId}/content?variant=original`, { token: reviewer });
    expect(original.status).to.equal(403);
    const audit = await call(h.baseUrl, 'GET', `/v1/review/cases/${check.checkId}/audit`, { token: senior });
    const views = audit.body.entries.filter((e: { action: string }) => e.action === 'document.viewed');
    expect(views.map((v: { detail: { variant: string } }) => v.detail.variant)).to.include.members(['preview', 'thumbnail']);
    expect(views[0].actor).to.include({ type: 'reviewer', id: 'sen_eve' });
  });

  it('accepts a clean 2-page PDF and refuses a scripted one', async () => {
    const { token } = await newCheck();
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (const text of ['Utility bill', 'Page 2']) pdf.addPage([595, 842]).drawText(text, { x: 50, y: 780, size: 18, font });
    const clean = await upload(token, 'address', Buffer.from(await pdf.save()), 'bill.pdf', 'application/pdf');
    expect(clean.status).to.equal(202);
    expect((await documentStatus(token, clean.body.documentId)).status).to.equal('accepted');
    const scripted = Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
    const bad = await upload(token, 'address', scripted, 'bill.pdf', 'application/pdf');
    expect(bad.status).to.equal(202);
    expect((await documentStatus(token, bad.body.documentId)).reason).to.equal('scripted');
  });

  it('flags a near-duplicate document across two customers’ checks, on both cases, and adds it to the risk', async () => {
    const first = await newCheck();
    const a = await upload(first.token, 'identity', await documentJpeg());
    await documentStatus(first.token, a.body.documentId);
    const second = await newCheck();
    const b = await upload(second.token, 'identity', await nearDuplicateJpeg());
    const processed = await documentStatus(second.token, b.body.documentId);
    expect(processed.status).to.equal('accepted');
    const caseB = await call(h.baseUrl, 'GET', `/v1/review/cases/${second.check.checkId}`, { token: senior });
    const docB = caseB.body.documents.find((d: { documentId: string }) => d.documentId === b.body.documentId);
    expect(docB.flags).to.include('duplicate');
    expect(docB.duplicates.map((m: { checkId: string }) => m.checkId)).to.include(first.check.checkId);
    expect(caseB.body.risk.reasons.map((r: { code: string }) => r.code)).to.include('DUPLICATE_DOCUMENT');
    const caseA = await eventually(async () => {
      const c = await call(h.baseUrl, 'GET', `/v1/review/cases/${first.check.checkId}`, { token: senior });
      const d = c.body.documents.find((x: { documentId: string }) => x.documentId === a.body.documentId);
      return d.duplicates.some((m: { checkId: string }) => m.checkId === second.check.checkId) ? d : undefined;
    }, 20_000, 'flag on the first case');
    expect(caseA.duplicates.some((m: { checkId: string; documentId: string }) => m.checkId === second.check.checkId && m.documentId === b.body.documentId)).to.equal(true);
  });

  it('never stores an upload’s bytes in the clear (encryption at rest)', async () => {
    const { token } = await newCheck();
    const marker = `MARKER-${randomBytes(16).toString('hex')}`;
    const jpeg = await documentJpeg();
    const res = await upload(token, 'identity', Buffer.concat([jpeg, Buffer.from(marker)]));
    await documentStatus(token, res.body.documentId);
    // What is stored for this document: its blobs (files under BLOB_DIR) and the document record.
    const blobDir = path.join(h.dataDir, 'blobs', res.body.documentId);
    expect(readdirSync(blobDir).sort()).to.deep.equal(['original', 'preview', 'thumbnail']);
    const stored = Buffer.concat(readdirSync(blobDir).map((f) => readFileSync(path.join(blobDir, f))));
    expect(stored.length).to.be.greaterThan(jpeg.length);
    expect(stored.includes(Buffer.from(marker)), 'marker in stored blobs').to.equal(false);
    expect(stored.includes(jpeg.subarray(0, 64)), 'JPEG header in stored blobs').to.equal(false);
    const record = JSON.stringify(await db.collection('documents').findOne({ _id: res.body.documentId } as never));
    expect(record).not.to.include(marker);
    expect(record).to.include('"dataKey"'); // wrapped, not the key itself
    // And the database's own files on disk (raw or base64) never show the marker.
    const needles = encodings(marker);
    for (const file of walk(path.join(h.dataDir, 'postgres'))) {
      const content = readFileSync(file);
      expect(needles.some((n) => content.includes(n)), `marker in ${file}`).to.equal(false);
    }
  });

  it('destroys documents and redacts personal data when the retention period ends', async () => {
    const api = await h.startApi({ RETENTION_PERIOD: '3s' });
    const { order, check, token } = await newCheck(api.baseUrl);
    const res = await upload(token, 'identity', await documentJpeg());
    await documentStatus(token, res.body.documentId);
    await call(api.baseUrl, 'POST', `/v1/checks/${order.orderId}/cancel`, { token: h.serviceKey, json: { reason: 'customer cancelled' } });
    const purged = await eventually(async () => {
      const c = await call(h.baseUrl, 'GET', `/v1/review/cases/${check.checkId}`, { token: senior });
      return c.body.purged ? c : undefined;
    }, 30_000, 'purge');
    expect(purged.body.status).to.equal('cancelled');
    expect(JSON.stringify(purged.body.order)).not.to.include(String(order.customer.email));
    expect(purged.body.order).to.include({ orderId: order.orderId, amount: order.amount, redacted: true });
    const content = await call(h.baseUrl, 'GET', `/v1/review/cases/${check.checkId}/documents/${res.body.documentId}/content?variant=preview`, { token: senior });
    expect(content.status).to.equal(404);
    expect(content.body.error.message).to.include('destroyed');
    const record = await db.collection('documents').findOne({ _id: res.body.documentId } as never);
    expect(record).to.not.have.property('dataKey');
    expect(record?.shreddedAt).to.be.instanceOf(Date);
    expect(existsSync(path.join(h.dataDir, 'blobs', res.body.documentId)), 'blobs after the purge').to.equal(false);
    expect(await db.collection('verifications').countDocuments({ checkId: check.checkId })).to.equal(0);
    await api.service.stop();
  });

  it('reminds every REMINDER_INTERVAL until the deadline, then expires', async () => {
    const api = await h.startApi({ UPLOAD_DEADLINE: '7s', REMINDER_INTERVAL: '3s' });
    const { order } = await newCheck(api.baseUrl);
    const email = String(order.customer.email);
    const expired = await eventually(async () => {
      const c = await call(api.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
      return c.body.status === 'expired' ? c : undefined;
    }, 30_000, 'expiry');
    expect(expired.body.fulfilment).to.equal('cancel');
    const mails = await eventually(() => (h.mail.to(email).length >= 3 ? h.mail.to(email) : undefined), 20_000, 'three e-mails');
    expect(mails).to.have.length(3);
    expect(mails.filter((m) => /Subject: Reminder/.test(m.raw))).to.have.length(2);
    await api.service.stop();
  });

  it('a document uploaded while no documents worker runs is processed after it restarts', async () => {
    const { token } = await newCheck();
    await h.stopDocumentsWorker();
    try {
      const res = await upload(token, 'identity', await documentJpeg());
      expect(res.status).to.equal(202);
      await new Promise((r) => setTimeout(r, 1500));
      const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
      expect(page.body.documents[0].status).to.equal('processing');
    } finally {
      await h.startDocumentsWorker();
    }
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
    expect((await documentStatus(token, page.body.documents[0].documentId)).status).to.equal('accepted');
  });
});

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A string as the database might hold it: raw, or base64 at each of the three alignments. */
function encodings(text: string): Buffer[] {
  const raw = Buffer.from(text);
  const out = [raw];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    out.push(Buffer.from(b64.slice(Math.ceil((shift * 4) / 3) + 2, -4)));
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    const s = statSync(p);
    return s.isDirectory() ? walk(p) : s.size > 0 ? [p] : [];
  });
}

/** The live fixtures the fuzz suite aims at: real orders, cases, documents, links and tokens. */
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { signReviewerToken } from '../../api/reviewerAuth';
import { call } from '../integration/client';
import type { Harness } from '../integration/harness';
import { cleanOrder, fraudOrder, reviewOrder, suspiciousOrder, uid } from '../fixtures/orders';
import { documentJpeg } from '../fixtures/images';
import type { Fixtures } from './requests';

/** Real ids and tokens to aim at: an approved order, a case in review, a check waiting for documents with one uploaded. */
export async function makeFixtures(h: Harness, baseUrl: string): Promise<Fixtures> {
  const submit = async (order: Record<string, unknown>) => {
    const res = await call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { checkId: string; orderId: string; status: string; verification: { token: string } | null };
  };
  const [clean, review, waiting, cancellable] = await Promise.all([submit(cleanOrder()), submit(reviewOrder()), submit(suspiciousOrder()), submit(suspiciousOrder())]);
  expect(review.status).to.equal('in_review');
  expect(waiting.status).to.equal('awaiting_documents');

  const jpeg = await documentJpeg();
  const pdfDoc = await PDFDocument.create();
  const page = pdfDoc.addPage([595, 842]);
  page.drawText('Utility bill — 1 Main St, Austin', { x: 50, y: 780, size: 14, font: await pdfDoc.embedFont(StandardFonts.Helvetica) });
  const pdf = Buffer.from(await pdfDoc.save());

  const form = new FormData();
  form.append('kind', 'identity');
  form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'id.jpg');
  const uploaded = await call(baseUrl, 'POST', `/v1/verification/${waiting.verification!.token}/documents`, { body: form });
  expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(202);

  const secret = new TextEncoder().encode(h.reviewerSecret);
  const now = Math.floor(Date.now() / 1000);
  const tokens: Fixtures['tokens'] = {
    reviewer: await h.token('fuzz-reviewer', 'reviewer'),
    senior: await h.token('fuzz-senior', 'senior'),
    admin: await h.token('fuzz-admin', 'admin'),
    expired: await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('fuzz').setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(secret),
    wrongSecret: await signReviewerToken('another-secret-entirely-0123456789', { sub: 'fuzz', role: 'admin' }),
    algNone: new UnsecuredJWT({ role: 'admin', sub: 'fuzz', exp: now + 3600 }).encode(),
    rs256: `${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'fuzz', role: 'admin', exp: now + 3600 })).toString('base64url')}.c2ln`,
    noRole: await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('fuzz').setExpirationTime(now + 3600).sign(secret),
  };

  // Upload links run out after 20 uploads each (per link and per 10 minutes): a fresh check every 18.
  let current = { token: waiting.verification!.token, uses: 1 };
  const uploadToken = async () => {
    if (current.uses >= 18) current = { token: (await submit(suspiciousOrder())).verification!.token, uses: 0 };
    current.uses += 1;
    return current.token;
  };

  let orders = 0;
  let decisions = 0;
  const decisionBodies = [
    { action: 'approve', reason: 'documents match the order' },
    { action: 'reject', reason: 'stolen card' },
    { action: 'request_documents', reason: 'need a clearer photo', requested: ['identity'] },
    { action: 'escalate', reason: 'needs a second look' },
  ];
  return {
    serviceKey: h.serviceKey,
    tokens,
    values: {
      orderId: [clean.orderId, review.orderId, cancellable.orderId, waiting.orderId, uid('ord_unknown')],
      // Index by index with documentId: the first check is the one that holds the document.
      checkId: [waiting.checkId, review.checkId, clean.checkId, `chk_unknown${Date.now()}`],
      token: [waiting.verification!.token, 'A'.repeat(43)],
      documentId: [uploaded.body.documentId, 'doc_unknown'],
    },
    uploadToken,
    validBodies: {
      'POST /v1/checks': () => [cleanOrder, suspiciousOrder, fraudOrder, reviewOrder][orders++ % 4](),
      'POST /v1/checks/{orderId}/cancel': () => ({ reason: 'the customer cancelled the order' }),
      'POST /v1/review/cases/{checkId}/decision': () => decisionBodies[decisions++ % decisionBodies.length],
    },
    files: { jpeg, pdf },
  };
}

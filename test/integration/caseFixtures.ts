/** Cases in given states, made through HTTP only (shared by the reports, privacy and case-tools tests). */
import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import { call } from './client';
import { eventually, type Harness } from './harness';
import { reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { distinctPageJpeg } from '../fixtures/images';

export async function submit(h: Harness, order: Record<string, unknown>, baseUrl = h.baseUrl) {
  const created = await call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  return created.body as { checkId: string; orderId: string; status: string; verification: { token: string; requested: string[] } | null };
}

/** Uploads one distinct page per requested kind; answers the document ids. */
export async function uploadAll(h: Harness, token: string, kinds: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const kind of kinds) {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([await distinctPageJpeg(randomInt(1_000_000))], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    ids.push(res.body.documentId);
  }
  return ids;
}

export async function caseOf(h: Harness, token: string, checkId: string) {
  return (await call(h.baseUrl, 'GET', `/v1/review/cases/${checkId}`, { token })).body;
}

export async function waitForStatus(h: Harness, token: string, checkId: string, status: string, timeoutMs = 120_000) {
  return eventually(async () => {
    const c = await caseOf(h, token, checkId);
    return c?.status === status ? c : undefined;
  }, timeoutMs, `${checkId} ${status}`);
}

/** Claims and decides a case in review. */
export async function decide(h: Harness, token: string, checkId: string, decision: Record<string, unknown>) {
  expect((await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token })).status).to.equal(200);
  const res = await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, { token, json: decision });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
}

/** A suspicious order whose documents were all accepted: in review, with its documents. */
export async function reviewedWithDocuments(h: Harness, reviewer: string, overrides: Record<string, unknown> = {}) {
  const created = await submit(h, suspiciousOrder(overrides));
  expect(created.status).to.equal('awaiting_documents');
  const documentIds = await uploadAll(h, created.verification!.token, created.verification!.requested);
  await waitForStatus(h, reviewer, created.checkId, 'in_review');
  return { ...created, documentIds };
}

/** An order that goes straight to review (no documents). */
export async function inReview(h: Harness, overrides: Record<string, unknown> = {}, baseUrl = h.baseUrl) {
  const created = await submit(h, reviewOrder(overrides), baseUrl);
  expect(created.status).to.equal('in_review');
  return created;
}

/**
 * Per-document decisions through HTTP against the real servers: a reviewer rejects one
 * document with a reason; the upload page's API tells the customer why and asks for just
 * that one; a new upload brings the case back to review.
 */
import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { reviewedWithDocuments, uploadAll, waitForStatus } from './caseFixtures';

describe('per-document decisions (integration)', function () {
  this.timeout(240_000);
  let h: Harness;
  let reviewer: string;
  let other: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    [reviewer, other] = await Promise.all([h.token('rev_doc', 'reviewer'), h.token('rev_doc2', 'reviewer')]);
  });

  it('rejects one document; the upload page says why and asks for just that one; a re-upload brings the case back to review', async () => {
    const c = await reviewedWithDocuments(h, reviewer);
    const target = c.documentIds[0];
    const path = `/v1/review/cases/${c.checkId}/documents/${target}/decision`;
    const reason = `The photo is cut off at the edge (${randomInt(1000)}).`;

    // The claim is needed, like every decision; a reason too.
    expect((await call(h.baseUrl, 'POST', path, { token: reviewer, json: { action: 'reject', reason } })).body.error.code).to.equal('claim_required');
    expect((await call(h.baseUrl, 'POST', `/v1/review/cases/${c.checkId}/claim`, { token: reviewer })).status).to.equal(200);
    expect((await call(h.baseUrl, 'POST', path, { token: reviewer, json: { action: 'reject', reason: ' ' } })).status).to.equal(400);
    expect((await call(h.baseUrl, 'POST', path, { token: other, json: { action: 'reject', reason } })).body.error.code).to.equal('claim_required');

    const kase = (await call(h.baseUrl, 'GET', `/v1/review/cases/${c.checkId}`, { token: reviewer })).body;
    const kind = kase.documents.find((d: any) => d.documentId === target).kind;
    const decided = await call(h.baseUrl, 'POST', path, { token: reviewer, json: { action: 'reject', reason } });
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(decided.body).to.deep.include({ status: 'awaiting_documents', round: 2 });
    // Not twice.
    expect((await call(h.baseUrl, 'POST', path, { token: reviewer, json: { action: 'reject', reason } })).status).to.equal(409);

    const check = (await call(h.baseUrl, 'GET', `/v1/checks/${c.orderId}`, { token: h.serviceKey })).body;
    expect(check.status).to.equal('awaiting_documents');
    expect(check.verification.requested).to.deep.equal([kind]);
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${check.verification.token}`);
    expect(page.status).to.equal(200);
    expect(page.body.requested).to.deep.equal([kind]);
    expect(page.body.rejected).to.deep.equal([{ kind, reason }]);
    const after = (await call(h.baseUrl, 'GET', `/v1/review/cases/${c.checkId}`, { token: reviewer })).body;
    const rejectedDoc = after.documents.find((d: any) => d.documentId === target);
    expect(rejectedDoc).to.deep.include({ status: 'rejected', reason });
    for (const id of c.documentIds.slice(1)) expect(after.documents.find((d: any) => d.documentId === id).status).to.equal('accepted');
    const audit = (await call(h.baseUrl, 'GET', `/v1/review/cases/${c.checkId}/audit`, { token: reviewer })).body;
    expect(audit.entries.find((e: any) => e.action === 'document.rejected').detail).to.deep.include({ documentId: target, kind, reason });
    expect(audit.verification).to.deep.include({ valid: true });
    // The upload page itself (HTML) is served for the new link.
    expect((await call(h.baseUrl, 'GET', `/verify/${check.verification.token}`)).status).to.equal(200);

    await uploadAll(h, check.verification.token, [kind]);
    const back = await waitForStatus(h, reviewer, c.checkId, 'in_review');
    expect(back.timeline.map((t: any) => t.event)).to.include.members(['document_rejected', 'documents_received']);
  });
});

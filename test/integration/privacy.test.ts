/**
 * Data-subject requests through HTTP against the real servers: a person with a
 * final check (with documents), an open one and a reported one is found by
 * e-mail whatever its case, exported, and erased — the final check purged as
 * retention purges it, the others held with the reason — and an export
 * afterwards no longer holds the erased data.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { decide, reviewedWithDocuments, submit, waitForStatus } from './caseFixtures';
import { suspiciousOrder } from '../fixtures/orders';

describe('data-subject requests (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let reviewer: string;
  let senior: string;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    [reviewer, senior, admin] = await Promise.all([h.token('rev_prv', 'reviewer'), h.token('sen_prv', 'senior'), h.token('adm_prv', 'admin')]);
  });

  it('finds, exports and erases a person: final purged, open and reported held; audited', async () => {
    const n = randomBytes(4).toString('hex');
    const email = `Dana.Subject.${n}@Example.COM`;
    const customer = (extra: Record<string, unknown> = {}) => ({ id: `cus_dsr_${n}`, email, name: 'Dana Subject', accountCreatedAt: new Date(Date.now() - 86_400_000).toISOString(), previousOrders: 0, ...extra });

    // Final, with documents.
    const final = await reviewedWithDocuments(h, reviewer, { customer: customer() });
    await decide(h, reviewer, final.checkId, { action: 'reject', reason: 'documents of someone else' });
    await waitForStatus(h, reviewer, final.checkId, 'rejected');
    // Open: waiting for documents.
    const open = await submit(h, suspiciousOrder({ customer: customer() }));
    expect(open.status).to.equal('awaiting_documents');
    // Final (cancelled by the shop), and a case file was made for a bank: held.
    const reported = await submit(h, suspiciousOrder({ customer: customer() }));
    expect((await call(h.baseUrl, 'POST', `/v1/checks/${reported.orderId}/cancel`, { token: h.serviceKey, json: { reason: 'customer asked' } })).status).to.equal(200);
    await waitForStatus(h, reviewer, reported.checkId, 'cancelled');
    expect((await call(h.baseUrl, 'POST', `/v1/review/cases/${reported.checkId}/reports`, { token: senior, json: { recipient: { kind: 'bank', name: 'Issuer' }, reference: `R-${n}` } })).status).to.equal(201);
    const ours = [final.checkId, open.checkId, reported.checkId].sort();

    // Admins only.
    expect((await call(h.baseUrl, 'GET', `/v1/privacy/subjects?email=${encodeURIComponent(email)}`, { token: senior })).status).to.equal(403);
    expect((await call(h.baseUrl, 'GET', `/v1/privacy/subjects?email=${encodeURIComponent(email)}`, { token: reviewer })).status).to.equal(403);
    expect((await call(h.baseUrl, 'GET', '/v1/privacy/subjects', { token: admin })).status).to.equal(400);

    // Case-insensitive lookup, by e-mail and by customer id.
    for (const query of [`email=${encodeURIComponent(email.toLowerCase())}`, `email=${encodeURIComponent(`  ${email.toUpperCase()} `)}`, `customerId=cus_dsr_${n}`]) {
      const found = await call(h.baseUrl, 'GET', `/v1/privacy/subjects?${query}`, { token: admin });
      expect(found.status, query).to.equal(200);
      expect(found.body.checks.map((c: any) => c.checkId).sort(), query).to.deep.equal(ours);
      expect(found.body.checks.every((c: any) => c.purged === false && c.orderId && c.status && c.createdAt)).to.equal(true);
    }

    const exported = await call(h.baseUrl, 'POST', '/v1/privacy/exports', { token: admin, json: { email } });
    expect(exported.status).to.equal(200);
    expect(exported.body.checks.map((c: any) => c.checkId).sort()).to.deep.equal(ours);
    const finalExport = exported.body.checks.find((c: any) => c.checkId === final.checkId);
    expect(finalExport.order.customer.email).to.equal(email);
    expect(finalExport.risk.reasons).to.be.an('array').that.is.not.empty;
    expect(finalExport.timeline.map((t: any) => t.to)).to.include('rejected');
    expect(finalExport.outcomes).to.be.an('array');
    expect(finalExport.documents.map((d: any) => d.documentId).sort()).to.deep.equal([...final.documentIds].sort());
    expect(finalExport.documents[0]).to.include.keys(['kind', 'status', 'contentType', 'size', 'uploadedAt']);
    expect(exported.body.checks.find((c: any) => c.checkId === open.checkId).status).to.equal('awaiting_documents');

    // Before: the documents read.
    const content = (docId: string) => call(h.baseUrl, 'GET', `/v1/review/cases/${final.checkId}/documents/${docId}/content?variant=preview`, { token: senior });
    expect((await content(final.documentIds[0])).status).to.equal(200);

    expect((await call(h.baseUrl, 'POST', '/v1/privacy/erasures', { token: admin, json: { email } })).status).to.equal(400); // a reason is required
    const erasure = await call(h.baseUrl, 'POST', '/v1/privacy/erasures', { token: admin, json: { email: email.toLowerCase(), reason: `support ticket ${n}` } });
    expect(erasure.status, JSON.stringify(erasure.body)).to.equal(202);
    expect(erasure.body.erasureId).to.be.a('string');
    expect(erasure.body.erased).to.deep.equal([final.checkId]);
    expect(erasure.body.held).to.have.deep.members([
      { checkId: open.checkId, why: 'open' },
      { checkId: reported.checkId, why: 'reported' },
    ]);

    // After: documents unreadable, the e-mail gone from the check, purged as retention purges.
    for (const id of final.documentIds) {
      const res = await content(id);
      expect(res.status).to.equal(404);
      expect(res.body.error.message).to.match(/destroyed/);
    }
    const erasedCase = await call(h.baseUrl, 'GET', `/v1/review/cases/${final.checkId}`, { token: senior });
    expect(erasedCase.body.purged).to.equal(true);
    expect(erasedCase.body.order.redacted).to.equal(true);
    expect(JSON.stringify(erasedCase.body)).not.to.include(email);
    expect(JSON.stringify(erasedCase.body).toLowerCase()).not.to.include(email.toLowerCase());
    const audit = await call(h.baseUrl, 'GET', `/v1/review/cases/${final.checkId}/audit`, { token: reviewer });
    expect(audit.body.verification).to.deep.include({ valid: true });
    const actions = audit.body.entries.map((e: any) => e.action);
    expect(actions).to.include.members(['privacy.lookup', 'privacy.export', 'privacy.erasure', 'case.purged']);
    const heldAudit = await call(h.baseUrl, 'GET', `/v1/review/cases/${open.checkId}/audit`, { token: reviewer });
    expect(heldAudit.body.entries.find((e: any) => e.action === 'privacy.erasure').detail).to.deep.include({ outcome: 'held', why: 'open' });

    const after = await call(h.baseUrl, 'POST', '/v1/privacy/exports', { token: admin, json: { email } });
    expect(after.body.checks.map((c: any) => c.checkId).sort()).to.deep.equal([open.checkId, reported.checkId].sort());
    expect(JSON.stringify(after.body)).not.to.include(final.checkId);
    expect(JSON.stringify(after.body)).not.to.include(final.orderId);

    // Again: nothing more to erase; the others still held.
    const again = await call(h.baseUrl, 'POST', '/v1/privacy/erasures', { token: admin, json: { customerId: `cus_dsr_${n}`, reason: 'repeat' } });
    expect(again.status).to.equal(202);
    expect(again.body.erased).to.deep.equal([]);
    expect(again.body.held.map((x: any) => x.checkId).sort()).to.deep.equal([open.checkId, reported.checkId].sort());
  });
});

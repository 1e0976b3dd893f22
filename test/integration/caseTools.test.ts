/** Linked cases, internal notes and search, through HTTP against the real servers. */
import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'chai';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { inReview } from './caseFixtures';

describe('linked cases, notes and search (integration)', function () {
  this.timeout(240_000);
  let h: Harness;
  let reviewer: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    reviewer = await h.token('rev_tools', 'reviewer');
  });

  const get = (path: string) => call(h.baseUrl, 'GET', path, { token: reviewer });

  it('links a second order on the same card, with its status, one click away', async () => {
    const n = randomBytes(4).toString('hex');
    const card = { bin: '411111', last4: '1111', country: 'US', fingerprint: `fp_shared_${n}` };
    const payment = { method: 'card', card, avsResult: 'match', cvvResult: 'match', threeDSecure: 'authenticated', failedAttempts: 0 };
    const first = await inReview(h, { payment });
    const second = await inReview(h, { payment });
    const unrelated = await inReview(h);

    const links = await get(`/v1/review/cases/${first.checkId}/links`);
    expect(links.status).to.equal(200);
    const other = links.body.items.find((i: any) => i.checkId === second.checkId);
    expect(other, JSON.stringify(links.body)).to.be.an('object');
    expect(other.shared).to.deep.equal(['card']);
    expect(other).to.deep.include({ orderId: second.orderId, status: 'in_review', fulfilment: 'hold', purged: false });
    expect(other.outcomes).to.be.an('array');
    expect(links.body.items.map((i: any) => i.checkId)).not.to.include(first.checkId);
    expect(links.body.items.map((i: any) => i.checkId)).not.to.include(unrelated.checkId);
    // One click away: the linked case opens.
    expect((await get(`/v1/review/cases/${other.checkId}`)).body.orderId).to.equal(second.orderId);
    expect((await get('/v1/review/cases/chk_nope/links')).status).to.equal(404);
  });

  it('notes are internal, append-only and audited', async () => {
    const c = await inReview(h);
    const text = `customer called from a withheld number ${randomBytes(4).toString('hex')}`;
    const added = await call(h.baseUrl, 'POST', `/v1/review/cases/${c.checkId}/notes`, { token: reviewer, json: { text } });
    expect(added.status).to.equal(201);
    expect(added.body).to.deep.include({ checkId: c.checkId, text, author: { id: 'rev_tools', role: 'reviewer' } });
    expect((await call(h.baseUrl, 'POST', `/v1/review/cases/${c.checkId}/notes`, { token: reviewer, json: { text: '  ' } })).status).to.equal(400);
    const listed = await get(`/v1/review/cases/${c.checkId}/notes`);
    expect(listed.body.items.map((x: any) => x.text)).to.deep.equal([text]);
    const audit = await get(`/v1/review/cases/${c.checkId}/audit`);
    const entry = audit.body.entries.find((e: any) => e.action === 'note.added');
    expect(entry.detail.noteId).to.equal(added.body.noteId);
    expect(audit.body.verification).to.deep.include({ valid: true });
    // Never the customer's or the order pipeline's to see.
    const pipelineView = await call(h.baseUrl, 'GET', `/v1/checks/${c.orderId}`, { token: h.serviceKey });
    expect(JSON.stringify(pipelineView.body)).not.to.include(text);
    await eventually(() => h.webhooks.forOrder(c.orderId).length > 0 || undefined, 30_000, 'a webhook');
    for (const e of h.webhooks.forOrder(c.orderId)) expect(e.rawBody).not.to.include(text);
  });

  it('searches by order id, check id, e-mail (any case) and BIN + last 4', async () => {
    const n = randomBytes(4).toString('hex');
    const bin = String(randomInt(10_000_000, 99_999_999));
    const email = `Search.Me.${n}@Example.com`;
    const c = await inReview(h, {
      customer: { id: `cus_s_${n}`, email, accountCreatedAt: '2024-01-02T00:00:00Z', previousOrders: 3, previousChargebacks: 2 },
      payment: { method: 'card', card: { bin, last4: '4242', country: 'US', fingerprint: `fp_s_${n}` }, avsResult: 'match', cvvResult: 'match', threeDSecure: 'authenticated' },
    });
    for (const query of [`orderId=${c.orderId}`, `checkId=${c.checkId}`, `email=${encodeURIComponent(email.toUpperCase())}`, `bin=${bin}&last4=4242`]) {
      const found = await get(`/v1/review/search?${query}`);
      expect(found.status, query).to.equal(200);
      expect(found.body.items.map((i: any) => i.checkId), query).to.deep.equal([c.checkId]);
    }
    expect((await get(`/v1/review/search?bin=${bin}&last4=0000`)).body.items).to.deep.equal([]);
    expect((await get(`/v1/review/search?bin=${bin}`)).status).to.equal(400);
    expect((await get('/v1/review/search')).status).to.equal(400);
    expect((await call(h.baseUrl, 'GET', `/v1/review/search?orderId=${c.orderId}`, {})).status).to.equal(401);
  });
});

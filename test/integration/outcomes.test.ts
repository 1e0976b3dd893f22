/** Outcomes through HTTP (API.md, "Outcomes"), against the real servers. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { call } from './client';
import { eventually, getHarness, verifySignature, type Harness } from './harness';
import { cleanOrder } from '../fixtures/orders';

interface Reason {
  code: string;
  points: number;
  detail: string;
}
const codes = (body: { risk: { reasons: Reason[] } }) => body.risk.reasons.map((r) => r.code);

describe('outcomes (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let db: mongoose.Connection;
  let reviewer: string;
  let senior: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    [reviewer, senior] = await Promise.all([h.token('rev_oli', 'reviewer'), h.token('sen_ora', 'senior')]);
  });
  after(async () => db?.close());

  const submit = (order: unknown) => call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
  const record = (orderId: string, json: unknown, token = h.serviceKey) => call(h.baseUrl, 'POST', `/v1/checks/${orderId}/outcomes`, { token, json });
  /** A clean order that differs from `base` in everything but the card. */
  const onCard = (fingerprint: string) => {
    const o = cleanOrder();
    return { ...o, payment: { ...o.payment, card: { ...o.payment.card, fingerprint } } };
  };

  it('a chargeback on one order raises the score of a later order on the same card (PRIOR_CHARGEBACK_CARD), not of a control', async () => {
    const first = cleanOrder();
    const decided = await submit(first);
    expect(decided.body.status).to.equal('approved');
    const card = first.payment.card.fingerprint;

    const before = await submit(onCard(card));
    expect(codes(before.body)).not.to.include('PRIOR_CHARGEBACK_CARD');

    const occurredAt = new Date(Date.now() - 3_600_000).toISOString();
    const res = await record(first.orderId, { type: 'chargeback', reason: 'customer disputes: not me', occurredAt });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ type: 'chargeback', orderId: first.orderId, checkId: decided.body.checkId, occurredAt, reason: 'customer disputes: not me' });
    expect(res.body.outcomeId).to.match(/^out_/);

    const later = await submit(onCard(card));
    const control = await submit(cleanOrder());
    expect(codes(later.body), JSON.stringify(later.body.risk)).to.include('PRIOR_CHARGEBACK_CARD');
    const reason = later.body.risk.reasons.find((r: Reason) => r.code === 'PRIOR_CHARGEBACK_CARD');
    expect(reason.detail).to.include('1 earlier order');
    expect(reason.detail).not.to.include(card);
    expect(codes(control.body)).not.to.include('PRIOR_CHARGEBACK_CARD');
    expect(later.body.risk.score).to.be.greaterThan(control.body.risk.score);
    expect(later.body.risk.score).to.be.greaterThan(before.body.risk.score);

    // The check lists it (its workflow has completed: the outcome is a record of its own).
    const check = await call(h.baseUrl, 'GET', `/v1/checks/${first.orderId}`, { token: h.serviceKey });
    expect(check.status).to.equal(200);
    expect(check.body.status).to.equal('approved');
    expect(check.body.outcomes).to.deep.equal([res.body]);

    // The features stay free of personal data: marks are pseudonyms.
    const marks = JSON.stringify(await db.collection('outcomeMarks').find({ orderId: first.orderId }).toArray());
    expect(marks).to.include('chargeback');
    for (const value of [card, first.customer.email, first.device.fingerprint, first.shippingAddress.line1]) expect(marks).not.to.include(value);
  });

  it('confirmed fraud raises later orders on the same email (PRIOR_FRAUD_EMAIL); legitimate and refund raise nothing', async () => {
    const first = cleanOrder();
    await submit(first);
    expect((await record(first.orderId, { type: 'fraud_confirmed', reason: 'police report' })).status).to.equal(201);
    const sameEmail = cleanOrder({ customer: { ...cleanOrder().customer, email: first.customer.email.toUpperCase() } });
    const later = await submit(sameEmail);
    expect(codes(later.body)).to.include('PRIOR_FRAUD_EMAIL');

    const fine = cleanOrder();
    await submit(fine);
    expect((await record(fine.orderId, { type: 'legitimate' })).status).to.equal(201);
    expect((await record(fine.orderId, { type: 'refund', reason: 'returned' })).status).to.equal(201);
    const next = await submit(onCard(fine.payment.card.fingerprint));
    expect(codes(next.body).filter((c: string) => c.startsWith('PRIOR_'))).to.deep.equal([]);
    const check = await call(h.baseUrl, 'GET', `/v1/checks/${fine.orderId}`, { token: h.serviceKey });
    expect(check.body.outcomes.map((o: { type: string }) => o.type).sort()).to.deep.equal(['legitimate', 'refund']);
  });

  it('the same outcome again is 200 with the first one; a chargeback counts an order once', async () => {
    const first = cleanOrder();
    await submit(first);
    const body = { type: 'chargeback', reason: 'dispute 1', occurredAt: '2026-11-30T10:00:00Z' };
    const replies = await Promise.all(Array.from({ length: 8 }, () => record(first.orderId, body)));
    expect(replies.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(replies.map((r) => r.body.outcomeId)).size).to.equal(1);
    // A second, different chargeback on the same order: its own record, still one earlier order.
    expect((await record(first.orderId, { ...body, reason: 'dispute 2' })).status).to.equal(201);
    const later = await submit(onCard(first.payment.card.fingerprint));
    const reason = later.body.risk.reasons.find((r: Reason) => r.code === 'PRIOR_CHARGEBACK_CARD');
    expect(reason.detail).to.include('1 earlier order');
    expect(await db.collection('outcomes').countDocuments({ orderId: first.orderId })).to.equal(2);
  });

  it('is sent as a signed webhook event (check.outcome_recorded, the outcome id as event id)', async () => {
    const first = cleanOrder();
    await submit(first);
    const res = await record(first.orderId, { type: 'refund', reason: 'item returned' }, senior);
    expect(res.status).to.equal(201);
    expect(res.body.createdBy).to.deep.equal({ type: 'reviewer', id: 'sen_ora', role: 'senior' });
    const event = await eventually(() => h.webhooks.forOrder(first.orderId).find((e) => e.type === 'check.outcome_recorded'), 30_000, 'the outcome webhook');
    expect(event.id).to.equal(res.body.outcomeId);
    expect(event.data).to.deep.include({ orderId: first.orderId, checkId: res.body.checkId });
    expect((event.data as unknown as { outcome: unknown }).outcome).to.deep.equal(res.body);
    expect(verifySignature(h.webhookSecret, event.signature, event.rawBody)).to.equal(true);
  });

  it('refuses what it cannot record: 400 bad body, 404 unknown order, 403 for a reviewer, 401 without a token', async () => {
    const first = cleanOrder();
    await submit(first);
    for (const body of [{ type: 'stolen' }, {}, { type: 'chargeback', occurredAt: 'yesterday' }, { type: 'chargeback', extra: true }]) {
      const res = await record(first.orderId, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_request');
    }
    const future = await record(first.orderId, { type: 'chargeback', occurredAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.status).to.equal(400);
    expect((await record('ord_never_seen_1', { type: 'chargeback' })).status).to.equal(404);
    const asReviewer = await record(first.orderId, { type: 'chargeback' }, reviewer);
    expect(asReviewer.status).to.equal(403);
    expect(asReviewer.body.error.code).to.equal('forbidden');
    expect((await call(h.baseUrl, 'POST', `/v1/checks/${first.orderId}/outcomes`, { json: { type: 'chargeback' } })).status).to.equal(401);
    // A reviewer still cannot use the pipeline's own check endpoints.
    expect((await call(h.baseUrl, 'GET', `/v1/checks/${first.orderId}`, { token: senior })).status).to.equal(401);
    expect(await db.collection('outcomes').countDocuments({ orderId: first.orderId })).to.equal(0);
  });
});

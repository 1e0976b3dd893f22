/** The order pipeline's contract, through HTTP, the real Temporal server and the real database. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { temporalBinary } from '../../stack/binaries';
import { call } from './client';
import { getHarness, verifySignature, eventually, type Harness } from './harness';
import { cleanOrder, fraudOrder, suspiciousOrder, uid } from '../fixtures/orders';

describe('order pipeline API (integration)', function () {
  this.timeout(120_000);
  let h: Harness;
  const post = (json: unknown, token = h.serviceKey) => call(h.baseUrl, 'POST', '/v1/checks', { token, json });

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  it('approves a clean order at once: release, with reasons and the ruleset version', async () => {
    const order = cleanOrder();
    const res = await post(order);
    expect(res.status).to.equal(201);
    expect(res.body.checkId).to.match(/^chk_/);
    expect(res.body.orderId).to.equal(order.orderId);
    expect(res.body.status).to.equal('approved');
    expect(res.body.fulfilment).to.equal('release');
    expect(res.body.risk.band).to.equal('low');
    expect(res.body.risk.rulesetVersion).to.be.a('string').and.not.empty;
    expect(res.body.risk.reasons).to.be.an('array');
    expect(res.body.verification).to.equal(null);
    expect(Date.parse(res.body.createdAt)).to.be.a('number').and.not.NaN;
  });

  it('holds a suspicious order and asks for documents with a token and deadline', async () => {
    const res = await post(suspiciousOrder());
    expect(res.status).to.equal(201);
    expect(res.body.status).to.equal('awaiting_documents');
    expect(res.body.fulfilment).to.equal('hold');
    expect(res.body.risk.reasons.map((r: { code: string }) => r.code)).to.include('SHIPPING_BILLING_COUNTRY_MISMATCH');
    const v = res.body.verification;
    expect(v.requested).to.include.members(['identity', 'address', 'payment_ownership']);
    expect(v.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(v.uploadUrl).to.equal(`http://localhost:${new URL(h.baseUrl).port}/verify/${v.token}`);
    const hours = (Date.parse(v.expiresAt) - Date.parse(res.body.createdAt)) / 3_600_000;
    expect(hours).to.equal(72);
  });

  it('rejects stacked hard fraud signals: cancel', async () => {
    const res = await post(fraudOrder());
    expect(res.status).to.equal(201);
    expect(res.body.status).to.equal('rejected');
    expect(res.body.fulfilment).to.equal('cancel');
    expect(res.body.risk.band).to.equal('critical');
  });

  it('is idempotent on orderId: same body → 200 and the same check; different body → 409 order_conflict', async () => {
    const order = cleanOrder();
    const first = await post(order);
    const again = await post(order);
    expect(first.status).to.equal(201);
    expect(again.status).to.equal(200);
    expect(again.body.checkId).to.equal(first.body.checkId);
    const conflict = await post({ ...order, amount: order.amount + 1 });
    expect(conflict.status).to.equal(409);
    expect(conflict.body.error.code).to.equal('order_conflict');
    expect(conflict.body.error.message).to.include(order.orderId);
  });

  it('creates exactly one check from 20 identical concurrent submissions', async () => {
    const order = suspiciousOrder();
    const replies = await Promise.all(Array.from({ length: 20 }, () => post(order)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).to.have.length(1);
    expect(statuses.filter((s) => s === 200)).to.have.length(19);
    expect(new Set(replies.map((r) => r.body.checkId)).size).to.equal(1);
    expect(new Set(replies.map((r) => r.body.verification.token)).size).to.equal(1);
    const read = await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
    expect(read.body.timeline).to.have.length(1);
  });

  it('GET returns the current check with its timeline; unknown order → 404 not_found', async () => {
    const order = suspiciousOrder();
    const created = await post(order);
    const read = await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
    expect(read.status).to.equal(200);
    expect(read.body.checkId).to.equal(created.body.checkId);
    expect(read.body.timeline).to.have.length(1);
    expect(read.body.timeline[0]).to.include({ event: 'scored', from: null, to: 'awaiting_documents' });
    expect(read.body.timeline[0].actor).to.deep.equal({ type: 'system' });
    const missing = await call(h.baseUrl, 'GET', `/v1/checks/${uid()}`, { token: h.serviceKey });
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('not_found');
  });

  it('cancels a held check, again idempotently, and refuses to cancel an approved one', async () => {
    const order = suspiciousOrder();
    await post(order);
    const path = `/v1/checks/${order.orderId}/cancel`;
    const first = await call(h.baseUrl, 'POST', path, { token: h.serviceKey, json: { reason: 'customer cancelled' } });
    expect(first.status).to.equal(200);
    expect(first.body.status).to.equal('cancelled');
    expect(first.body.fulfilment).to.equal('cancel');
    expect(first.body.verification).to.equal(null);
    const last = first.body.timeline.at(-1);
    expect(last).to.include({ event: 'cancelled', from: 'awaiting_documents', to: 'cancelled', reason: 'customer cancelled' });
    expect(last.actor.type).to.equal('service');
    const again = await call(h.baseUrl, 'POST', path, { token: h.serviceKey, json: { reason: 'again' } });
    expect(again.status).to.equal(200);
    expect(again.body.timeline).to.have.length(2);

    const approved = cleanOrder();
    await post(approved);
    const refused = await call(h.baseUrl, 'POST', `/v1/checks/${approved.orderId}/cancel`, { token: h.serviceKey, json: { reason: 'x' } });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('invalid_state');

    const unknown = await call(h.baseUrl, 'POST', `/v1/checks/${uid()}/cancel`, { token: h.serviceKey, json: { reason: 'x' } });
    expect(unknown.status).to.equal(404);
    const noReason = await call(h.baseUrl, 'POST', path, { token: h.serviceKey, json: {} });
    expect(noReason.status).to.equal(400);
    expect(noReason.body.error.code).to.equal('invalid_request');
  });

  it('keeps the order unreadable in Temporal’s history (payloads encrypted)', async () => {
    const order = suspiciousOrder();
    await post(order);
    const history = execFileSync(temporalBinary(), ['workflow', 'show', '--address', h.stack.temporalAddress, '-w', `fraud-check/${order.orderId}`, '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(history).to.include(Buffer.from('binary/encrypted').toString('base64'));
    const email = String(order.customer.email);
    for (const needle of [email, Buffer.from(email).toString('base64').slice(0, 16)]) expect(history).not.to.include(needle);
  });

  describe('bad input', () => {
    const cases: [string, () => unknown, string][] = [
      ['missing required fields', () => ({ orderId: uid() }), 'amount'],
      ['negative amount', () => cleanOrder({ amount: -5 }), 'amount'],
      ['lower-case currency', () => cleanOrder({ currency: 'usd' }), 'currency'],
      ['bad email', () => cleanOrder({ customer: { email: 'not-an-email' } }), 'customer.email'],
      ['empty items', () => cleanOrder({ items: [] }), 'items'],
      ['order id with a slash', () => cleanOrder({ orderId: 'a/b' }), 'orderId'],
      ['an array body', () => [1, 2], '(root)'],
    ];
    for (const [name, body, path] of cases) {
      it(`400 invalid_request for ${name}`, async () => {
        const res = await post(body());
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('invalid_request');
        expect(res.body.error.message).to.include(path);
        expect(res.body.error.details).to.be.an('array').that.is.not.empty;
      });
    }

    it('400 invalid_json for malformed JSON', async () => {
      const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, body: '{"orderId": "x",' });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_json');
    });

    it('401 unauthorized without a key or with a wrong key', async () => {
      for (const token of [undefined, 'sk_wrong']) {
        const res = await call(h.baseUrl, 'POST', '/v1/checks', { token, json: cleanOrder() });
        expect(res.status).to.equal(401);
        expect(res.body.error.code).to.equal('unauthorized');
      }
      const read = await call(h.baseUrl, 'GET', `/v1/checks/${uid()}`);
      expect(read.status).to.equal(401);
    });

    it('accepts every configured key', async () => {
      const res = await post(cleanOrder(), 'sk_test_second');
      expect(res.status).to.equal(201);
    });
  });

  describe('webhooks', () => {
    it('sends one signed event per transition, with a stable id per transition', async () => {
      const order = suspiciousOrder();
      const created = await post(order);
      await call(h.baseUrl, 'POST', `/v1/checks/${order.orderId}/cancel`, { token: h.serviceKey, json: { reason: 'upstream' } });
      const events = await eventually(() => {
        const e = h.webhooks.forOrder(order.orderId);
        return e.length >= 2 ? e : undefined;
      }, 20_000, 'two webhooks');
      await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive
      const all = h.webhooks.forOrder(order.orderId);
      expect(all).to.have.length(2);
      expect(all.map((e) => e.data.status)).to.deep.equal(['awaiting_documents', 'cancelled']);
      expect(new Set(all.map((e) => e.id)).size).to.equal(2);
      for (const e of events) {
        expect(e.type).to.equal('check.status_changed');
        expect(e.data.checkId).to.equal(created.body.checkId);
        expect(verifySignature(h.webhookSecret, e.signature, e.rawBody), 'valid signature').to.equal(true);
        expect(verifySignature('wrong-secret', e.signature, e.rawBody)).to.equal(false);
      }
      expect(all[0].data.fulfilment).to.equal('hold');
      expect(all[1].data.fulfilment).to.equal('cancel');
    });

    it('retries a failing receiver with the same event id, without holding up the decision', async () => {
      const order = cleanOrder();
      h.webhooks.failNext.set(order.orderId, 2);
      const started = Date.now();
      const res = await post(order);
      expect(res.status).to.equal(201);
      expect(Date.now() - started).to.be.below(5_000);
      const deliveries = await eventually(() => {
        const e = h.webhooks.forOrder(order.orderId);
        return e.length >= 3 ? e : undefined;
      }, 30_000, 'three delivery attempts');
      expect(new Set(deliveries.map((e) => e.id)).size).to.equal(1);
      expect(deliveries[2].receivedAt).to.be.greaterThan(deliveries[0].receivedAt);
    });
  });

  describe('operations', () => {
    it('serves health, readiness and the OpenAPI document (metrics are on their own port: metrics.test.ts)', async () => {
      expect((await call(h.baseUrl, 'GET', '/healthz')).status).to.equal(200);
      const ready = await call(h.baseUrl, 'GET', '/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.include({ temporal: true, database: true });
      expect((await call(h.baseUrl, 'GET', '/metrics')).status).to.equal(404);
      const spec = await call(h.baseUrl, 'GET', '/openapi.json');
      const body = spec.body.paths['/v1/checks'].post.requestBody.content['application/json'].schema;
      expect(body.required).to.include.members(['orderId', 'amount', 'currency', 'customer', 'items']);
    });

    it('answers an unknown route with 404 not_found', async () => {
      const res = await call(h.baseUrl, 'GET', '/v1/nothing');
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
    });
  });
});

/**
 * Webhook operations through HTTP: the delivery log of a check (every event, each attempt's
 * time, outcome and status code, written append-only by the delivery activity) and redelivery
 * of an event, which also works once the check is final and its workflow has completed.
 */
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import { cleanOrder, reviewOrder } from '../fixtures/orders';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';

interface Attempt { attempt: number; at: string; outcome: string; statusCode: number | null; error: string | null; durationMs: number; redeliveryId: string | null }
interface LoggedEvent { id: string; type: string; sequence: number | null; createdAt: string; status: string; redeliverable: boolean; attempts: Attempt[]; redeliveries: { redeliveryId: string }[] }

describe('webhook delivery log and redelivery (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let connection: Connection;
  let temporal: Client;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    connection = await Connection.connect({ address: h.stack.temporalAddress });
    temporal = new Client({ connection });
  });
  after(async () => {
    await connection?.close();
  });

  const log = (orderId: string, baseUrl = h.baseUrl) => call(baseUrl, 'GET', `/v1/checks/${orderId}/events`, { token: h.serviceKey });
  const redeliver = (orderId: string, eventId: string, baseUrl = h.baseUrl) =>
    call(baseUrl, 'POST', `/v1/checks/${orderId}/events/${encodeURIComponent(eventId)}/redeliver`, { token: h.serviceKey });
  const eventsOf = async (orderId: string): Promise<LoggedEvent[]> => {
    const res = await log(orderId);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.events as LoggedEvent[];
  };

  it('logs every attempt of an event: two refusals (500) then the delivery, one record each', async () => {
    const order = cleanOrder();
    h.webhooks.failNext.set(order.orderId, 2);
    const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.status).to.equal(201);
    const events = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e.length === 1 && e[0].status === 'delivered' ? e : undefined;
    }, 30_000, 'the event delivered and logged');
    const [event] = events;
    const received = h.webhooks.forOrder(order.orderId);
    expect(received.length).to.equal(3);
    expect(event.id).to.equal(received[0].id);
    expect(event.type).to.equal('check.status_changed');
    expect(event.sequence).to.equal(1);
    expect(event.redeliverable).to.equal(true);
    expect(event.attempts.map((a) => [a.attempt, a.outcome, a.statusCode, a.error, a.redeliveryId])).to.deep.equal([
      [1, 'failed', 500, 'webhook_rejected', null],
      [2, 'failed', 500, 'webhook_rejected', null],
      [3, 'delivered', 204, null, null],
    ]);
    for (const a of event.attempts) expect(Date.parse(a.at)).to.be.at.least(Date.parse(created.body.createdAt) - 1000);
  });

  it('redelivers an event of a final check whose workflow has completed: same id and data, freshly signed, logged', async () => {
    const order = cleanOrder();
    const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.body.status).to.equal('approved');
    const [event] = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e.length === 1 && e[0].status === 'delivered' ? e : undefined;
    }, 30_000, 'the first delivery');
    await eventually(async () => {
      const { status } = await temporal.workflow.getHandle(`fraud-check/${order.orderId}`).describe();
      return status.name === 'COMPLETED' ? true : undefined;
    }, 30_000, "the check's workflow to complete");

    const res = await redeliver(order.orderId, event.id);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.body).to.include({ eventId: event.id, status: 'scheduled' });
    expect(res.body.redeliveryId).to.match(/^rdl_/);
    await eventually(() => (h.webhooks.forOrder(order.orderId).length === 2 ? true : undefined), 30_000, 'the redelivery received');
    const [first, again] = h.webhooks.forOrder(order.orderId);
    expect(again.id).to.equal(first.id);
    expect(again.sequence).to.equal(first.sequence);
    expect(again.createdAt).to.equal(first.createdAt);
    expect(again.data).to.deep.equal(first.data);
    expect(again.signature).to.match(/^t=\d+,v1=[0-9a-f]{64}$/);

    const [logged] = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e[0].attempts.length === 2 ? e : undefined;
    }, 20_000, 'the redelivery attempt logged');
    expect(logged.attempts[1]).to.include({ outcome: 'delivered', statusCode: 204, redeliveryId: res.body.redeliveryId, attempt: 1 });
    expect(logged.redeliveries.map((r) => r.redeliveryId)).to.deep.equal([res.body.redeliveryId]);
  });

  it('20 redeliveries at once: each is 202 or 409 redelivery_in_progress, and every 202 is exactly one more delivery', async () => {
    const order = reviewOrder();
    expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order })).status).to.equal(201);
    const [event] = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e.length === 1 && e[0].status === 'delivered' ? e : undefined;
    }, 30_000, 'the first delivery');
    const results = await Promise.all(Array.from({ length: 20 }, () => redeliver(order.orderId, event.id)));
    const accepted = results.filter((r) => r.status === 202);
    for (const r of results) {
      expect([202, 409], JSON.stringify(r.body)).to.include(r.status);
      if (r.status === 409) expect(r.body.error.code).to.equal('redelivery_in_progress');
    }
    expect(accepted.length).to.be.at.least(1);
    await eventually(() => (h.webhooks.forOrder(order.orderId).length === 1 + accepted.length ? true : undefined), 30_000, 'one delivery per accepted redelivery');
    const [logged] = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e[0].attempts.length === 1 + accepted.length ? e : undefined;
    }, 20_000, 'every redelivery logged');
    expect(new Set(logged.redeliveries.map((r) => r.redeliveryId))).to.deep.equal(new Set(accepted.map((r) => r.body.redeliveryId)));
    // Nothing more arrives later.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(h.webhooks.forOrder(order.orderId).length).to.equal(1 + accepted.length);
  });

  it('answers 401 without the service key, 404 for an unknown order or event, 400 for a malformed event id', async () => {
    const order = cleanOrder();
    expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order })).status).to.equal(201);
    expect((await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}/events`)).status).to.equal(401);
    expect((await call(h.baseUrl, 'POST', `/v1/checks/${order.orderId}/events/x/redeliver`)).status).to.equal(401);
    const unknownOrder = await log('ord_nobody_here');
    expect(unknownOrder.status).to.equal(404);
    expect(unknownOrder.body.error.code).to.equal('not_found');
    const unknownEvent = await redeliver(order.orderId, 'chk_nothing.1');
    expect(unknownEvent.status).to.equal(404);
    const bad = await redeliver(order.orderId, 'a b');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('invalid_request');
  });

  it("does not redeliver another check's event through this order", async () => {
    const a = cleanOrder();
    const b = cleanOrder();
    for (const o of [a, b]) expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: o })).status).to.equal(201);
    const [eventOfB] = await eventually(async () => {
      const e = await eventsOf(b.orderId);
      return e.length === 1 ? e : undefined;
    }, 30_000, "b's event");
    expect((await redeliver(a.orderId, eventOfB.id)).status).to.equal(404);
  });

  it('after the retention purge: the log keeps the attempts, the event can no longer be sent (410)', async () => {
    const api = await h.startApi({ RETENTION_PERIOD: '2s' });
    try {
      const order = cleanOrder();
      expect((await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order })).status).to.equal(201);
      await eventually(() => isPurged(order.orderId), 40_000, 'the purge');
      const [event] = await eventsOf(order.orderId);
      expect(event.status).to.equal('delivered');
      expect(event.redeliverable).to.equal(false);
      const res = await redeliver(order.orderId, event.id);
      expect(res.status).to.equal(410);
      expect(res.body.error.code).to.equal('gone');
    } finally {
      await api.service.stop();
    }
  });

  it('409 webhook_not_configured from an API without WEBHOOK_URL', async () => {
    const order = cleanOrder();
    expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order })).status).to.equal(201);
    const [event] = await eventually(async () => {
      const e = await eventsOf(order.orderId);
      return e.length === 1 ? e : undefined;
    }, 30_000, 'the event');
    const api = await h.startApi({ WEBHOOK_URL: '', WEBHOOK_SECRET: '' });
    try {
      const res = await redeliver(order.orderId, event.id, api.baseUrl);
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('webhook_not_configured');
    } finally {
      await api.service.stop();
    }
  });

  /** The event's body is gone once the purge ran (the log says so). */
  async function isPurged(orderId: string): Promise<true | undefined> {
    const events = await eventsOf(orderId);
    return events.length > 0 && !events[0].redeliverable ? true : undefined;
  }
});

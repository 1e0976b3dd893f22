/** Timers and crashes: the upload deadline expires a check; a killed worker loses and doubles nothing. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { suspiciousOrder } from '../fixtures/orders';

describe('durability (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let db: mongoose.Connection;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
  });
  after(async () => {
    await db?.close();
  });

  const status = async (baseUrl: string, orderId: string) =>
    (await call(baseUrl, 'GET', `/v1/checks/${orderId}`, { token: h.serviceKey })).body;

  it('expires a check when the upload deadline passes: cancel, one webhook per transition', async () => {
    const api = await h.startApi({ UPLOAD_DEADLINE: '2s' });
    const order = suspiciousOrder();
    const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.body.status).to.equal('awaiting_documents');
    expect(Date.parse(created.body.verification.expiresAt) - Date.parse(created.body.createdAt)).to.equal(2000);
    const expired = await eventually(async () => {
      const check = await status(api.baseUrl, order.orderId);
      return check.status === 'expired' ? check : undefined;
    }, 20_000, 'expiry');
    expect(expired.fulfilment).to.equal('cancel');
    expect(expired.verification).to.equal(null);
    expect(expired.timeline.map((t: { event: string }) => t.event)).to.deep.equal(['scored', 'expired']);
    expect(expired.timeline[1].actor).to.deep.equal({ type: 'system' });
    const hooks = await eventually(() => {
      const e = h.webhooks.forOrder(order.orderId);
      return e.length >= 2 ? e : undefined;
    }, 20_000, 'webhooks');
    expect(hooks.map((e) => e.data.status)).to.deep.equal(['awaiting_documents', 'expired']);
    // The read model follows the workflow.
    const doc = await eventually(async () => {
      const d = await db.collection('checks').findOne({ orderId: order.orderId });
      return d?.status === 'expired' ? d : undefined;
    }, 10_000, 'read model');
    expect(doc.fulfilment).to.equal('cancel');
    await api.service.stop();
  });

  it('a worker killed mid-flight with 20 open checks: after restart every check continues, none lost or doubled', async () => {
    const api = await h.startApi({ UPLOAD_DEADLINE: '12s' });
    const orders = Array.from({ length: 20 }, () => suspiciousOrder());
    const submit = async (order: ReturnType<typeof suspiciousOrder>) => {
      for (let attempt = 0; ; attempt++) {
        const res = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
        if (res.status === 201 || res.status === 200) return res;
        // 503 while no worker runs: the pipeline retries the same request.
        expect(res.status, JSON.stringify(res.body)).to.equal(503);
        if (attempt > 5) throw new Error('no decision after retries');
      }
    };
    const inFlight = Promise.all(orders.map(submit));
    await new Promise((r) => setTimeout(r, 150));
    await h.restartWorker(); // SIGKILL, then a new worker process
    const replies = await inFlight;
    // 201 or 200: a call cut off by the kill (503) and retried finds the check its first attempt made.
    for (const [i, reply] of replies.entries()) {
      expect(reply.body.orderId).to.equal(orders[i].orderId);
      expect(reply.body.status).to.equal('awaiting_documents');
    }

    // Kill again while all 20 wait on their deadline timers.
    await h.restartWorker();
    for (const order of orders) {
      const check = await eventually(async () => {
        const c = await status(api.baseUrl, order.orderId);
        return c.status === 'expired' ? c : undefined;
      }, 60_000, `expiry of ${order.orderId}`);
      expect(check.timeline.map((t: { event: string }) => t.event)).to.deep.equal(['scored', 'expired']);
    }
    const ids = orders.map((o) => o.orderId);
    await eventually(async () => {
      const n = await db.collection('checks').countDocuments({ orderId: { $in: ids }, status: 'expired' });
      return n === 20 ? n : undefined;
    }, 20_000, 'read model of 20 expired checks');
    expect(await db.collection('checks').countDocuments({ orderId: { $in: ids } })).to.equal(20);
    expect(await db.collection('velocity').countDocuments({ _id: { $in: ids } } as never)).to.equal(20);
    const checkIds = new Set(replies.map((r) => r.body.checkId));
    expect(checkIds.size).to.equal(20);
    for (const order of orders) {
      const hooks = await eventually(() => {
        const e = h.webhooks.forOrder(order.orderId);
        return new Set(e.map((x) => x.id)).size >= 2 ? e : undefined;
      }, 30_000, 'webhooks after restart');
      // At-least-once: a redelivery repeats an id, never invents a new event.
      expect(new Set(hooks.map((e) => e.id)).size).to.equal(2);
      expect(new Set(hooks.map((e) => e.data.checkId)).size).to.equal(1);
    }
    await api.service.stop();
  });

  it('answers 503 with Retry-After, not 500, while the order’s workflow task keeps failing (FAILED_PRECONDITION)', async () => {
    // A check workflow whose every workflow task fails (its input is not a check's): Temporal refuses
    // Updates to it with FAILED_PRECONDITION "Workflow Task in failed state" until a task succeeds.
    const connection = await Connection.connect({ address: h.stack.temporalAddress });
    const order = suspiciousOrder();
    try {
      const temporal = new Client({ connection });
      const broken = await temporal.workflow.start('checkWorkflow', { workflowId: `fraud-check/${order.orderId}`, taskQueue: 'checks', args: [] });
      // Temporal fails Updates fast once the workflow task has failed a few attempts in a row.
      await eventually(async () => {
        const attempt = (await broken.describe()).raw.pendingWorkflowTask?.attempt ?? 0;
        return attempt >= 3 ? true : undefined;
      }, 90_000, 'a workflow task that keeps failing');
      const started = Date.now();
      const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
      expect(res.status, JSON.stringify(res.body)).to.equal(503);
      expect(res.body.error.code).to.equal('temporarily_unavailable');
      expect(res.body.error.details?.retryAfterSeconds).to.be.a('number').within(1, 600);
      expect(res.headers.get('retry-after')).to.equal(String(res.body.error.details.retryAfterSeconds));
      expect(JSON.stringify(res.body)).not.to.match(/at .+\.ts:\d+/); // no stack trace
      // At once: not after the 15 s a decision may take (Temporal refuses the Update, it does not wait).
      expect(Date.now() - started, 'answered at once').to.be.below(10_000);
      await broken.terminate('test: a workflow whose tasks fail');
    } finally {
      await connection.close();
    }
  });
});

/**
 * The end of a check's life (issues 8 and 12): a final check's workflow
 * completes once its deliveries are done and the API answers from the read
 * model; retention is purged by the Schedule's sweep (and by the daily pass,
 * whatever happened to the workflow); a resubmission after the workflow's
 * history is gone never makes a second check; escalated cases have an SLA of
 * their own; webhooks carry a per-check sequence and never follow redirects.
 */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { cleanOrder, reviewOrder, suspiciousOrder } from '../fixtures/orders';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the end of a check (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let db: mongoose.Connection;
  let connection: Connection;
  let temporal: Client;
  let reviewer: string;
  let senior: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    connection = await Connection.connect({ address: h.stack.temporalAddress });
    temporal = new Client({ connection });
    [reviewer, senior] = await Promise.all([h.token('rev_end', 'reviewer'), h.token('sen_end', 'senior')]);
  });
  after(async () => {
    await db?.close();
    await connection?.close();
  });

  const submit = (order: unknown, baseUrl = h.baseUrl) => call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
  const getCheck = (orderId: string) => call(h.baseUrl, 'GET', `/v1/checks/${orderId}`, { token: h.serviceKey });
  const cancel = (orderId: string, baseUrl = h.baseUrl) =>
    call(baseUrl, 'POST', `/v1/checks/${orderId}/cancel`, { token: h.serviceKey, json: { reason: 'cancelled upstream' } });
  const caseView = (checkId: string, token = senior) => call(h.baseUrl, 'GET', `/v1/review/cases/${checkId}`, { token });
  const claim = (checkId: string, token: string) => call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token, json: {} });
  const decide = (checkId: string, token: string, action: string) =>
    call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, { token, json: { action, reason: `end: ${action}` } });
  const handle = (orderId: string) => temporal.workflow.getHandle(`fraud-check/${orderId}`);
  const workflowStatus = async (orderId: string) => (await handle(orderId).describe()).status.name;
  const completed = (orderId: string) =>
    eventually(async () => ((await workflowStatus(orderId)) === 'COMPLETED' ? true : undefined), 30_000, `workflow of ${orderId} completed`);
  const record = (checkId: string) => db.collection('checks').findOne({ _id: checkId as never });
  const retentionEntry = (checkId: string) => db.collection('retention').findOne({ _id: checkId as never });

  /** Deletes a closed workflow's history, as the namespace's retention does some days after it closed. */
  async function forgetWorkflow(orderId: string): Promise<void> {
    await temporal.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `fraud-check/${orderId}` } });
    // The server deletes in the background (seconds; longer on a loaded machine).
    await eventually(
      async () => {
        try {
          await handle(orderId).describe();
          return undefined;
        } catch {
          return true;
        }
      },
      120_000,
      'history deleted',
    );
  }

  async function activityTypes(orderId: string): Promise<string[]> {
    const history = await handle(orderId).fetchHistory();
    return (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  }

  it('completes a final check’s workflow once delivered; the API then answers from the read model', async () => {
    const order = cleanOrder();
    const created = await submit(order);
    expect(created.status).to.equal(201);
    await completed(order.orderId);
    const check = await getCheck(order.orderId);
    expect(check.status).to.equal(200);
    expect(check.body).to.include({ checkId: created.body.checkId, status: 'approved', fulfilment: 'release' });
    expect(check.body.timeline.map((t: { event: string }) => t.event)).to.deep.equal(['scored']);
    // Resubmissions: the same body → 200 and the same check; another body → 409.
    const again = await submit(order);
    expect(again.status).to.equal(200);
    expect(again.body.checkId).to.equal(created.body.checkId);
    const other = await submit({ ...order, amount: order.amount + 1 });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal('order_conflict');
    // A cancel of a check that ended otherwise: 409, without a workflow.
    const refused = await cancel(order.orderId);
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('invalid_state');
    // Reviewers: the case opens; it cannot be claimed or decided any more.
    const view = await caseView(created.body.checkId);
    expect(view.status).to.equal(200);
    expect(view.body).to.include({ status: 'approved' });
    const claimed = await claim(created.body.checkId, senior);
    expect(claimed.status).to.equal(409);
    expect(claimed.body.error.code).to.equal('invalid_state');
    // Its retention is filed for the sweep: due RETENTION_PERIOD (180 days here) after it ended.
    const entry = await retentionEntry(created.body.checkId);
    expect(entry?.dueAt.getTime() - Date.parse(created.body.createdAt)).to.equal(180 * 86_400_000);
    expect((await record(created.body.checkId))?.bodyHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('a cancelled check: cancel again → 200 from the read model; its link answers and refuses uploads', async () => {
    const order = suspiciousOrder();
    const created = await submit(order);
    const token = created.body.verification.token as string;
    expect((await cancel(order.orderId)).status).to.equal(200);
    await completed(order.orderId);
    const again = await cancel(order.orderId);
    expect(again.status).to.equal(200);
    expect(again.body.status).to.equal('cancelled');
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
    expect(page.status).to.equal(200);
    expect(page.body.status).to.equal('cancelled');
    const form = new FormData();
    form.append('kind', 'identity');
    form.append('file', new Blob([Buffer.from('x')], { type: 'image/jpeg' }), 'x.jpg');
    const upload = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
    expect(upload.status).to.equal(409);
    expect(upload.body.error.code).to.equal('invalid_state');
  });

  it('purges a final check when its retention ends: the sweep does it, long after the workflow completed', async () => {
    const api = await h.startApi({ RETENTION_PERIOD: '4s' });
    const order = suspiciousOrder();
    const created = await submit(order, api.baseUrl);
    expect((await cancel(order.orderId, api.baseUrl)).status).to.equal(200);
    await completed(order.orderId);
    expect(await activityTypes(order.orderId)).not.to.include('purgeCheck');
    expect((await record(created.body.checkId))?.purgedAt).to.equal(undefined);
    const purged = await eventually(async () => {
      const c = await caseView(created.body.checkId);
      return c.body.purged ? c : undefined;
    }, 30_000, 'purge by the sweep');
    expect(purged.body.order).to.include({ orderId: order.orderId, redacted: true });
    expect(JSON.stringify(purged.body.order)).not.to.include(order.customer.email);
    const doc = await record(created.body.checkId);
    // Within the sweep's interval (2 s here) of being due.
    expect(doc?.purgedAt.getTime() - doc?.finalAt.getTime()).to.be.within(4_000, 20_000);
    expect(await retentionEntry(created.body.checkId)).to.equal(null);
    expect(await db.collection('verifications').countDocuments({ checkId: created.body.checkId })).to.equal(0);
    await api.service.stop();
  });

  it('the daily pass purges a final check the sweep does not know, whose workflow was terminated', async () => {
    const api = await h.startApi({ RETENTION_PERIOD: '3s' });
    const order = suspiciousOrder();
    // The receiver refuses this order's events: the workflow stays open, retrying its deliveries.
    h.webhooks.failNext.set(order.orderId, 1000);
    const created = await submit(order, api.baseUrl);
    const checkId = created.body.checkId as string;
    expect((await cancel(order.orderId, api.baseUrl)).status).to.equal(200);
    await eventually(async () => ((await record(checkId))?.finalAt ? true : undefined), 20_000, 'final projection');
    expect(await workflowStatus(order.orderId)).to.equal('RUNNING');
    await handle(order.orderId).terminate('operator terminated it');
    // As for a check that ended before retention entries existed: there is none.
    await db.collection('retention').deleteOne({ _id: checkId as never });
    h.webhooks.failNext.delete(order.orderId);
    // Due by now, and several sweeps later nobody purged it.
    await sleep(8_000);
    expect((await record(checkId))?.purgedAt).to.equal(undefined);
    await temporal.schedule.getHandle('retention-daily-pass').trigger();
    const purged = await eventually(async () => {
      const doc = await record(checkId);
      return doc?.purgedAt ? doc : undefined;
    }, 60_000, 'purge by the daily pass');
    expect(purged.order).to.include({ redacted: true });
    expect(await db.collection('verifications').countDocuments({ checkId })).to.equal(0);
    await api.service.stop();
  });

  it('a resubmission after the order’s workflow history is gone answers with the existing check, never a second one', async () => {
    const order = cleanOrder();
    const created = await submit(order);
    const checkId = created.body.checkId as string;
    await completed(order.orderId);
    await eventually(() => (h.webhooks.forOrder(order.orderId).length > 0 ? true : undefined), 20_000, 'webhook');
    const auditBefore = await db.collection('audit').countDocuments({ checkId });

    await forgetWorkflow(order.orderId);
    const same = await submit(order);
    expect(same.status).to.equal(200);
    expect(same.body).to.include({ checkId, status: 'approved' });
    await completed(order.orderId);

    await forgetWorkflow(order.orderId);
    const different = await submit({ ...order, amount: order.amount + 100 });
    expect(different.status).to.equal(409);
    expect(different.body.error.code).to.equal('order_conflict');

    expect(await db.collection('checks').countDocuments({ orderId: order.orderId })).to.equal(1);
    expect(await db.collection('audit').countDocuments({ checkId })).to.equal(auditBefore);
    await sleep(1_000);
    expect(new Set(h.webhooks.forOrder(order.orderId).map((e) => e.id)).size).to.equal(1);
    expect((await getCheck(order.orderId)).body.timeline).to.have.length(1);
  });

  it('an open check whose workflow was terminated and forgotten is taken up again by its resubmission', async () => {
    const order = reviewOrder();
    const created = await submit(order);
    const checkId = created.body.checkId as string;
    expect(created.body.status).to.equal('in_review');
    await handle(order.orderId).terminate('operator terminated it');
    await forgetWorkflow(order.orderId);
    const again = await submit(order);
    expect(again.status).to.equal(200);
    expect(again.body).to.include({ checkId, status: 'in_review' });
    expect((await claim(checkId, reviewer)).status).to.equal(200);
    const decided = await decide(checkId, reviewer, 'approve');
    expect(decided.status).to.equal(200);
    expect(decided.body.status).to.equal('approved');
    expect(await db.collection('checks').countDocuments({ orderId: order.orderId })).to.equal(1);
    await completed(order.orderId);
  });

  it('flags an escalated case nobody decided within ESCALATION_SLA: case, queue, webhook, audit', async () => {
    const api = await h.startApi({ ESCALATION_SLA: '2s' });
    const order = reviewOrder();
    const created = await submit(order, api.baseUrl);
    const checkId = created.body.checkId as string;
    expect((await claim(checkId, reviewer)).status).to.equal(200);
    expect((await decide(checkId, reviewer, 'escalate')).status).to.equal(200);
    const flagged = await eventually(async () => {
      const c = await caseView(checkId);
      return c.body.escalationOverdueAt ? c : undefined;
    }, 20_000, 'overdue flag');
    expect(flagged.body.status).to.equal('escalated');
    expect(Date.parse(flagged.body.escalationOverdueAt)).to.be.at.least(Date.parse(flagged.body.escalationDueAt));
    const queue = await eventually(async () => {
      const q = await call(h.baseUrl, 'GET', '/v1/review/cases?status=escalated&limit=200', { token: senior });
      const item = q.body.items.find((i: { checkId: string }) => i.checkId === checkId);
      return item?.escalationOverdueAt ? item : undefined;
    }, 10_000, 'queue entry flagged');
    expect(queue.escalationOverdueAt).to.equal(flagged.body.escalationOverdueAt);
    const event = await eventually(() => h.webhooks.forOrder(order.orderId).find((e) => e.type === 'check.escalation_overdue'), 20_000, 'overdue webhook');
    expect(event.data.status).to.equal('escalated');
    const statusEvents = h.webhooks.forOrder(order.orderId).filter((e) => e.type === 'check.status_changed');
    expect(event.sequence).to.equal(Math.max(...statusEvents.map((e) => e.sequence!)) + 1);
    const audit = await call(h.baseUrl, 'GET', `/v1/review/cases/${checkId}/audit`, { token: senior });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).to.include('escalation.overdue');
    // Still a case for a senior, flagged once.
    expect((await claim(checkId, senior)).status).to.equal(200);
    expect((await decide(checkId, senior, 'approve')).body.status).to.equal('approved');
    await sleep(500);
    expect(h.webhooks.forOrder(order.orderId).filter((e) => e.type === 'check.escalation_overdue')).to.have.length(1);
    await api.service.stop();
  });

  describe('webhooks', () => {
    it('carry a per-check sequence, one more per event, the same on every retry', async () => {
      const order = suspiciousOrder();
      h.webhooks.failNext.set(order.orderId, 2);
      await submit(order);
      await cancel(order.orderId);
      await completed(order.orderId);
      const received = h.webhooks.forOrder(order.orderId);
      const byId = new Map<string, Set<number | undefined>>();
      for (const e of received) byId.set(e.id, (byId.get(e.id) ?? new Set()).add(e.sequence));
      expect(received.length).to.be.at.least(4); // two events, the first delivered on its third attempt
      for (const sequences of byId.values()) expect(sequences.size).to.equal(1);
      const ordered = [...byId.entries()].map(([id, s]) => ({ id, sequence: [...s][0]! })).sort((a, b) => a.sequence - b.sequence);
      expect(ordered.map((e) => e.sequence)).to.deep.equal([1, 2]);
      const status = ordered.map((e) => received.find((r) => r.id === e.id)!.data.status);
      expect(status).to.deep.equal(['awaiting_documents', 'cancelled']);
    });

    it('never follow a redirect: a 3xx is a failed delivery, retried', async () => {
      const order = cleanOrder();
      const followedBefore = h.webhooks.followedRedirects.length;
      h.webhooks.redirectNext.set(order.orderId, 2);
      await submit(order);
      await completed(order.orderId);
      const received = h.webhooks.forOrder(order.orderId);
      expect(received).to.have.length(3);
      expect(new Set(received.map((e) => e.id)).size).to.equal(1);
      expect(received.map((e) => e.sequence)).to.deep.equal([1, 1, 1]);
      expect(h.webhooks.followedRedirects.length).to.equal(followedBefore);
    });
  });
});

/** Reviewers: roles, the queue, claims, decisions, SLA escalation, the audit trail — through HTTP. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { reviewOrder, suspiciousOrder } from '../fixtures/orders';

describe('reviewer API (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let db: mongoose.Connection;
  let connection: Connection;
  let reviewer: string;
  let reviewer2: string;
  let senior: string;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    connection = await Connection.connect({ address: h.stack.temporalAddress });
    [reviewer, reviewer2, senior, admin] = await Promise.all([
      h.token('rev_ann', 'reviewer'),
      h.token('rev_bob', 'reviewer'),
      h.token('sen_cat', 'senior'),
      h.token('adm_dan', 'admin'),
    ]);
  });
  after(async () => {
    await db?.close();
    await connection?.close();
  });

  const newCase = async (baseUrl = h.baseUrl) => {
    const order = reviewOrder();
    const res = await call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(res.body.status).to.equal('in_review');
    return { orderId: order.orderId, checkId: res.body.checkId as string };
  };
  const get = (token: string, path: string) => call(h.baseUrl, 'GET', path, { token });
  const post = (token: string, path: string, json?: unknown) => call(h.baseUrl, 'POST', path, { token, json: json ?? {} });
  const claim = (token: string, checkId: string) => post(token, `/v1/review/cases/${checkId}/claim`);
  const decide = (token: string, checkId: string, json: unknown) => post(token, `/v1/review/cases/${checkId}/decision`, json);

  it('opens a case: order metadata, risk with reasons, timeline, allowed actions', async () => {
    const { checkId, orderId } = await newCase();
    const res = await get(reviewer, `/v1/review/cases/${checkId}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ checkId, orderId, status: 'in_review', fulfilment: 'hold' });
    expect(res.body.order.orderId).to.equal(orderId);
    expect(res.body.risk.reasons.map((r: { code: string }) => r.code)).to.include('PREVIOUS_CHARGEBACKS');
    expect(res.body.timeline[0]).to.include({ event: 'scored', to: 'in_review' });
    expect(Date.parse(res.body.slaDueAt) - Date.parse(res.body.timeline[0].at)).to.equal(4 * 3_600_000);
    expect(res.body.allowedActions).to.deep.equal(['approve', 'reject', 'request_documents', 'escalate']);
    const asSenior = await get(senior, `/v1/review/cases/${checkId}`);
    expect(asSenior.body.allowedActions).to.include('report');
  });

  it('walks the role matrix: role × endpoint → status', async () => {
    const { checkId } = await newCase();
    const bad = 'eyJhbGciOiJIUzI1NiJ9.e30.bad';
    const matrix: [string, string | undefined, () => Promise<{ status: number }>, number][] = [];
    const row = (name: string, token: string | undefined, expected: number, f: (t: string) => Promise<{ status: number }>) =>
      matrix.push([name, token, () => f(token as string), expected]);
    for (const [who, token] of [['none', undefined], ['garbage', bad]] as const) {
      row(`${who}: queue`, token, 401, (t) => call(h.baseUrl, 'GET', '/v1/review/cases', { token: t }));
      row(`${who}: case`, token, 401, (t) => call(h.baseUrl, 'GET', `/v1/review/cases/${checkId}`, { token: t }));
      row(`${who}: claim`, token, 401, (t) => call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token: t, json: {} }));
      row(`${who}: audit`, token, 401, (t) => call(h.baseUrl, 'GET', `/v1/review/cases/${checkId}/audit`, { token: t }));
    }
    row('service key is no reviewer token', h.serviceKey, 401, (t) => get(t, '/v1/review/cases'));
    for (const [who, token] of [['reviewer', reviewer], ['senior', senior], ['admin', admin]] as const) {
      row(`${who}: queue`, token, 200, (t) => get(t, '/v1/review/cases'));
      row(`${who}: case`, token, 200, (t) => get(t, `/v1/review/cases/${checkId}`));
      row(`${who}: audit`, token, 200, (t) => get(t, `/v1/review/cases/${checkId}/audit`));
      row(`${who}: original of a missing document`, token, who === 'reviewer' ? 403 : 404, (t) =>
        get(t, `/v1/review/cases/${checkId}/documents/doc_missing/content?variant=original`),
      );
      row(`${who}: preview of a missing document`, token, 404, (t) => get(t, `/v1/review/cases/${checkId}/documents/doc_missing/content?variant=preview`));
    }
    // Decisions by role, each on a fresh case it holds.
    for (const [who, token, action, expected] of [
      ['reviewer', reviewer, 'report', 403],
      ['senior', senior, 'report', 200],
      ['reviewer', reviewer, 'approve', 200],
      ['admin', admin, 'reject', 200],
    ] as const) {
      const c = await newCase();
      expect((await claim(token, c.checkId)).status).to.equal(200);
      row(`${who}: ${action}`, token, expected, (t) => decide(t, c.checkId, { action, reason: 'matrix' }));
    }
    const escalated = await newCase();
    await claim(reviewer, escalated.checkId);
    await decide(reviewer, escalated.checkId, { action: 'escalate', reason: 'needs a senior' });
    row('reviewer: claim an escalated case', reviewer, 403, (t) => claim(t, escalated.checkId));
    row('senior: claim an escalated case', senior, 200, (t) => claim(t, escalated.checkId));

    const results: string[] = [];
    for (const [name, , run, expected] of matrix) {
      const { status } = await run();
      if (status !== expected) results.push(`${name}: expected ${expected}, got ${status}`);
    }
    expect(results).to.deep.equal([]);
  });

  it('claims are leases: a second reviewer gets 409 already_claimed; exactly one of two racing claims wins', async () => {
    const { checkId } = await newCase();
    const [a, b] = await Promise.all([claim(reviewer, checkId), claim(reviewer2, checkId)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).to.deep.equal([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).to.equal('already_claimed');
    const winner = a.status === 200 ? a : b;
    expect(Date.parse(winner.body.leaseExpiresAt) - Date.now()).to.be.within(14 * 60_000, 15 * 60_000 + 1000);
    // The holder may renew; an admin may take over.
    expect((await claim(winner === a ? reviewer : reviewer2, checkId)).status).to.equal(200);
    const takeover = await claim(admin, checkId);
    expect(takeover.status).to.equal(200);
    expect(takeover.body.assignee).to.equal('adm_dan');
  });

  it('a decision needs the claim, a reason, and an action the case can take', async () => {
    const { checkId } = await newCase();
    const unclaimed = await decide(reviewer, checkId, { action: 'approve', reason: 'ok' });
    expect(unclaimed.status).to.equal(409);
    expect(unclaimed.body.error.code).to.equal('claim_required');
    await claim(reviewer, checkId);
    const noReason = await decide(reviewer, checkId, { action: 'approve', reason: ' ' });
    expect(noReason.status).to.equal(400);
    expect(noReason.body.error.code).to.equal('invalid_request');
    const badAction = await decide(reviewer, checkId, { action: 'delete', reason: 'x' });
    expect(badAction.status).to.equal(400);
    const otherReviewer = await decide(reviewer2, checkId, { action: 'approve', reason: 'mine' });
    expect(otherReviewer.status).to.equal(409);
    expect(otherReviewer.body.error.code).to.equal('claim_required');
  });

  it('two decisions at once: exactly one wins, the other gets 409', async () => {
    const { checkId } = await newCase();
    await claim(reviewer, checkId);
    const [a, b] = await Promise.all([
      decide(reviewer, checkId, { action: 'approve', reason: 'documents fine' }),
      decide(reviewer, checkId, { action: 'reject', reason: 'looks stolen' }),
    ]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
    const final = await get(reviewer, `/v1/review/cases/${checkId}`);
    expect(['approved', 'rejected']).to.include(final.body.status);
    expect(final.body.timeline.filter((t: { actor: { type: string } }) => t.actor.type === 'reviewer')).to.have.length(1);
  });

  for (const [action, status, fulfilment, event] of [
    ['approve', 'approved', 'release', 'approved'],
    ['reject', 'rejected', 'cancel', 'rejected'],
    ['escalate', 'escalated', 'hold', 'escalated'],
  ] as const) {
    it(`${action} → ${status} (${fulfilment}), with a webhook and an audit entry`, async () => {
      const { checkId, orderId } = await newCase();
      await claim(reviewer, checkId);
      const res = await decide(reviewer, checkId, { action, reason: `reason for ${action}` });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ status, fulfilment });
      const last = res.body.timeline.at(-1);
      expect(last).to.include({ event, from: 'in_review', to: status, reason: `reason for ${action}` });
      expect(last.actor).to.deep.equal({ type: 'reviewer', id: 'rev_ann', role: 'reviewer' });
      expect(res.body.claim).to.equal(null);
      const hook = await eventually(() => h.webhooks.forOrder(orderId).find((e) => e.data.status === status), 20_000, 'webhook');
      expect(hook.data.fulfilment).to.equal(fulfilment);
      const audit = await eventually(async () => {
        const a = await get(reviewer, `/v1/review/cases/${checkId}/audit`);
        return a.body.entries.some((e: { action: string }) => e.action === `decision.${action}`) ? a : undefined;
      }, 20_000, 'audit entry');
      expect(audit.body.verification.valid).to.equal(true);
    });
  }

  it('a claim and a decision each leave their audit entries and read model written before they answer, without activity tasks', async () => {
    // Since `local-writes` (issue 12): one workflow task per claim or decision writes what the transition
    // leaves behind in local activities; the answer comes once they are stored.
    const { checkId, orderId } = await newCase();
    const actionsNow = async () => ((await get(reviewer, `/v1/review/cases/${checkId}/audit`)).body.entries as { action: string }[]).map((e) => e.action);
    const stored = () => db.collection('checks').findOne({ _id: checkId as never });
    expect((await claim(reviewer, checkId)).status).to.equal(200);
    expect((await stored())?.assignee).to.equal('rev_ann');
    expect(await actionsNow()).to.deep.equal(['status.changed', 'case.claimed']);
    const res = await decide(reviewer, checkId, { action: 'approve', reason: 'stored before the answer' });
    expect(res.status).to.equal(200);
    expect((await stored())?.status).to.equal('approved');
    const trail = await get(reviewer, `/v1/review/cases/${checkId}/audit`);
    expect(trail.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['status.changed', 'case.claimed', 'decision.approve', 'status.changed']);
    expect(trail.body.verification.valid).to.equal(true);
    // What the server ran for it: the two webhooks (in_review, approved) are the only activity tasks,
    // and each update is answered in the workflow task that accepted it.
    const history = await new Client({ connection }).workflow.getHandle(`fraud-check/${orderId}`).fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    expect(scheduled).to.deep.equal(['deliverWebhook', 'deliverWebhook']);
    const accepted = events.flatMap((e, i) => (e.workflowExecutionUpdateAcceptedEventAttributes ? [i] : []));
    expect(accepted, 'the submit (with the start), the claim, the approval').to.have.length(3);
    for (const at of accepted) {
      const answered = events.findIndex((e, i) => i > at && e.workflowExecutionUpdateCompletedEventAttributes);
      expect(events.slice(at, answered).some((e) => e.workflowTaskScheduledEventAttributes), 'a workflow task between accepting and answering').to.equal(false);
    }
    // The decision, the claim, the approval, and the two webhooks' results (which may share a task with an update).
    expect(events.filter((e) => e.workflowTaskStartedEventAttributes).length).to.be.at.most(5);
  });

  it('a senior reports an escalated case: rejected, recorded as reported', async () => {
    const { checkId, orderId } = await newCase();
    await claim(reviewer, checkId);
    await decide(reviewer, checkId, { action: 'escalate', reason: 'card testing pattern' });
    expect((await claim(senior, checkId)).status).to.equal(200);
    const reviewerTries = await decide(reviewer, checkId, { action: 'approve', reason: 'x' });
    expect(reviewerTries.status).to.equal(403);
    const res = await decide(senior, checkId, { action: 'report', reason: 'reported to the card issuer' });
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('rejected');
    expect(res.body.timeline.at(-1)).to.include({ event: 'reported', from: 'escalated', to: 'rejected' });
    await eventually(() => h.webhooks.forOrder(orderId).find((e) => e.data.status === 'rejected'), 20_000, 'webhook');
  });

  it('request_documents: back to awaiting_documents with a new token and the kinds asked, bounded rounds', async () => {
    const { checkId, orderId } = await newCase();
    await claim(reviewer, checkId);
    const missingKinds = await decide(reviewer, checkId, { action: 'request_documents', reason: 'need proof' });
    expect(missingKinds.status).to.equal(400);
    const res = await decide(reviewer, checkId, { action: 'request_documents', reason: 'prove the address', requested: ['address'] });
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('awaiting_documents');
    expect(res.body.verification).to.include({ round: 1 });
    expect(res.body.verification.requested).to.deep.equal(['address']);
    const check = await call(h.baseUrl, 'GET', `/v1/checks/${orderId}`, { token: h.serviceKey });
    const token = check.body.verification.token;
    const page = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
    expect(page.status).to.equal(200);
    expect(page.body.requested).to.deep.equal(['address']);
  });

  it('escalates a case left in review past REVIEW_SLA, with a timeline entry and a webhook', async () => {
    const api = await h.startApi({ REVIEW_SLA: '2s' });
    const { checkId, orderId } = await newCase(api.baseUrl);
    const escalated = await eventually(async () => {
      const c = await get(senior, `/v1/review/cases/${checkId}`);
      return c.body.status === 'escalated' ? c : undefined;
    }, 20_000, 'SLA escalation');
    expect(escalated.body.timeline.at(-1)).to.include({ event: 'sla_escalated', from: 'in_review', to: 'escalated' });
    expect(escalated.body.timeline.at(-1).actor).to.deep.equal({ type: 'system' });
    await eventually(() => h.webhooks.forOrder(orderId).find((e) => e.data.status === 'escalated'), 20_000, 'webhook');
    // The queue is a projection written after the transition: it may lag the webhook.
    await eventually(async () => {
      const queue = await get(senior, '/v1/review/cases?status=escalated&limit=200');
      return queue.body.items.some((i: { checkId: string }) => i.checkId === checkId) ? true : undefined;
    }, 20_000, 'the escalated case in the queue');
    await api.service.stop();
  });

  it('the queue: most urgent first, filters, cursor pagination, counts', async () => {
    const cases = [await newCase(), await newCase(), await newCase()];
    await claim(reviewer2, cases[0].checkId);
    await eventually(async () => {
      const q = await get(reviewer2, '/v1/review/cases?assignee=me');
      return q.body.items.some((i: { checkId: string }) => i.checkId === cases[0].checkId) ? q : undefined;
    }, 10_000, 'claim in the read model');
    // The queue is a copy in memory kept current by a refresh (at most 2 s old, app/openQueue.ts):
    // page through it until the new cases are in.
    type Item = { checkId: string; band: string; slaDueAt: string; createdAt: string };
    const all: Item[] = await eventually(async () => {
      const seen: Item[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { items: Item[]; nextCursor: string | null; counts: Record<string, number> } } = await get(
          reviewer,
          `/v1/review/cases?status=in_review&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.status).to.equal(200);
        expect(page.body.items.length).to.be.at.most(2);
        expect(page.body.counts.in_review).to.be.a('number');
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return cases.every((c) => seen.some((i) => i.checkId === c.checkId)) ? seen : undefined;
    }, 10_000, 'the new cases in the queue');
    const ids = all.map((i) => i.checkId);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const c of cases) expect(ids).to.include(c.checkId);
    const rank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]];
      const ordered = rank[a.band] > rank[b.band] || (rank[a.band] === rank[b.band] && Date.parse(a.slaDueAt) <= Date.parse(b.slaDueAt));
      expect(ordered, `${a.checkId} before ${b.checkId}`).to.equal(true);
    }
    const unassigned = await get(reviewer, '/v1/review/cases?status=in_review&assignee=none&limit=200');
    expect(unassigned.body.items.map((i: { checkId: string }) => i.checkId)).not.to.include(cases[0].checkId);
    const badQuery = await get(reviewer, '/v1/review/cases?limit=9999');
    expect(badQuery.status).to.equal(400);
    expect(badQuery.body.error.code).to.equal('invalid_request');
  });

  it('the queue follows cases: claims and decisions at once on the API that made them, on another API within a refresh', async () => {
    const other = await h.startApi({});
    try {
      const inQueue = async (baseUrl: string, checkId: string) => {
        const q = await call(baseUrl, 'GET', '/v1/review/cases?status=in_review&limit=200', { token: reviewer });
        return q.body.items.find((i: { checkId: string }) => i.checkId === checkId) as { assignee: string | null } | undefined;
      };
      // Both APIs hold an open queue from here on.
      for (const api of [h.baseUrl, other.baseUrl]) await call(api, 'GET', '/v1/review/cases', { token: reviewer });
      for (let trial = 0; trial < 5; trial++) {
        const { checkId } = await newCase();
        await eventually(() => inQueue(h.baseUrl, checkId), 10_000, 'the new case in the queue');
        expect((await claim(reviewer, checkId)).status).to.equal(200);
        expect((await inQueue(h.baseUrl, checkId))?.assignee, 'claim seen at once by the API that made it').to.equal('rev_ann');
        await eventually(async () => ((await inQueue(other.baseUrl, checkId))?.assignee === 'rev_ann' ? true : undefined), 10_000, 'claim on the other API');
        expect((await decide(reviewer, checkId, { action: 'approve', reason: 'checked' })).status).to.equal(200);
        expect(await inQueue(h.baseUrl, checkId), 'decided case gone at once').to.equal(undefined);
        await eventually(async () => ((await inQueue(other.baseUrl, checkId)) === undefined ? true : undefined), 10_000, 'decided case gone on the other API');
      }
    } finally {
      await other.service.stop();
    }
  });

  it('the audit chain verifies, and fails after a tampered entry', async () => {
    const { checkId } = await newCase();
    await claim(reviewer, checkId);
    await decide(reviewer, checkId, { action: 'approve', reason: 'verified by phone' });
    const audit = await eventually(async () => {
      const a = await get(reviewer, `/v1/review/cases/${checkId}/audit`);
      return a.body.entries.length >= 4 ? a : undefined;
    }, 20_000, 'audit entries');
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).to.include.members(['status.changed', 'case.claimed', 'decision.approve']);
    expect(audit.body.verification).to.deep.include({ valid: true });
    const entries = db.collection('audit');
    const second = await entries.findOne({ checkId, seq: 2 });
    await entries.updateOne({ _id: second!._id }, { $set: { 'detail.reason': 'edited afterwards' } });
    const tampered = await get(reviewer, `/v1/review/cases/${checkId}/audit`);
    expect(tampered.body.verification.valid).to.equal(false);
    expect(tampered.body.verification.brokenAt).to.equal(2);
  });

  it('the console and the upload page are served with a strict CSP', async () => {
    const page = await call(h.baseUrl, 'GET', '/review');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.include('text/html');
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    const order = suspiciousOrder();
    const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    const upload = await call(h.baseUrl, 'GET', `/verify/${created.body.verification.token}`);
    expect(upload.status).to.equal(200);
    expect(String(upload.body)).to.include('<html');
  });
});

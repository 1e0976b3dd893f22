/**
 * The check workflow on a real Temporal server with mocked activities: every timer
 * and message path of a check's life, in seconds.
 *
 * Why not `TestWorkflowEnvironment.createTimeSkipping`: its server is the Java SDK's
 * test server, which the SDK downloads on first use (no download here, and no Go
 * module builds it). The timers of a check come from its input (`durations`), so
 * short durations make the same paths run in real time; the server is the embedded
 * Temporal CLI dev server (`createLocal` with its binary: stack/binaries.ts), in this
 * process's own ephemeral instance, apart from the integration harness's.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { Durations } from '../../config';
import { payloadKeys } from '../../config';
import { decidedState, type CheckState, type DocumentState } from '../../domain/check';
import type { Order } from '../../domain/order';
import type { CheckActivities } from '../../activities';
import type { DecideInput, Decision } from '../../activities/scoring';
import { dataConverter, failureConverterPath } from '../../lib/payloadCodec';
import { ruleset } from '../../scoring/rules';
import { temporalBinary } from '../../stack/binaries';
import { checkWorkflow, type CheckWorkflowInput } from '../../workflows/check';
import { cancelUpdate, claimUpdate, decideUpdate, documentReceivedUpdate, stateQuery, submitUpdate } from '../../workflows/messages';
import { taskQueues, workflowIdFor } from '../../workflows/names';
import { cleanOrder } from '../fixtures/orders';
import { REPLAY_DOCUMENT_KEY } from '../replay/replayKey';

const HOUR = 3_600_000;
/** Long enough never to fire in a test; each test shortens the timer it is about. */
const quietDurations: Durations = {
  uploadDeadlineMs: HOUR,
  reminderIntervalMs: HOUR,
  reviewSlaMs: HOUR,
  retentionMs: HOUR,
  claimLeaseMs: HOUR,
  escalationSlaMs: HOUR,
};
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

type Plan = { action: 'approve' | 'verify' | 'review' | 'block'; requested?: ('identity' | 'address' | 'payment_ownership')[]; score?: number };
type ProcessResult = Awaited<ReturnType<CheckActivities['processDocument']>>;

/** What the mocked activities were asked, by order. */
const calls: { name: string; orderId: string; input: Record<string, unknown> }[] = [];
const plans = new Map<string, Plan>();
const processing = new Map<string, ProcessResult>();
/** request_documents waits here (per order) while its link is registered, when a test holds it. */
const gates = new Map<string, Promise<void>>();

const called = (orderId: string, name: string) => calls.filter((c) => c.orderId === orderId && c.name === name).map((c) => c.input);

const orderOf = (checkId: string) => checkId.replace(/^chk_/, '');

/** The activities of CheckActivities that the check workflow calls, mocked. */
const activities: Partial<CheckActivities> = {
  async decide(input: DecideInput): Promise<Decision> {
    const plan = plans.get(input.order.orderId) ?? { action: 'approve' };
    const score = plan.score ?? { approve: 5, verify: 40, review: 60, block: 90 }[plan.action];
    const check = decidedState({
      checkId: input.checkId,
      orderId: input.order.orderId,
      risk: {
        score,
        band: score < 25 ? 'low' : score < 50 ? 'medium' : score < 75 ? 'high' : 'critical',
        action: plan.action,
        rulesetVersion: ruleset.version,
        reasons: [{ code: 'HIGH_VALUE', points: 10, detail: 'test' }],
        requested: plan.requested ?? (plan.action === 'verify' ? ['identity'] : []),
      },
      createdAt: input.at,
      uploadDeadlineMs: input.uploadDeadlineMs,
      reviewSlaMs: input.reviewSlaMs,
    });
    calls.push({ name: 'decide', orderId: input.order.orderId, input: {} });
    return { check, requested: check.verification?.requested ?? [], webhooks: true };
  },
  async projectCheck(input) {
    calls.push({ name: 'projectCheck', orderId: input.check.orderId, input: { version: input.check.version, status: input.check.status } });
  },
  async auditEvent(input) {
    calls.push({ name: 'auditEvent', orderId: orderOf(input.checkId), input: { action: input.action } });
    return { seq: calls.length, checkId: input.checkId, hash: 'h' };
  },
  async auditEvents(inputs) {
    for (const input of inputs) calls.push({ name: 'auditEvent', orderId: orderOf(input.checkId), input: { action: input.action } });
    return inputs.map((input) => ({ seq: calls.length, checkId: input.checkId, hash: 'h' }));
  },
  async deliverWebhook(input) {
    calls.push({ name: 'deliverWebhook', orderId: input.check.orderId, input: { type: input.type, sequence: input.sequence, status: input.check.status } });
  },
  async sendVerificationEmail(input) {
    calls.push({ name: 'sendVerificationEmail', orderId: input.orderId, input: { round: input.round, reminder: input.reminder } });
    return { sent: true };
  },
  async openVerificationRound(input) {
    calls.push({ name: 'openVerificationRound', orderId: input.orderId, input: { round: input.round } });
    await gates.get(input.orderId);
  },
  async processDocument(input) {
    calls.push({ name: 'processDocument', orderId: input.orderId, input: { documentId: input.documentId } });
    return processing.get(input.documentId) ?? { status: 'accepted', reason: null, flags: [], duplicates: [] };
  },
  async escalationOverdue(input) {
    calls.push({ name: 'escalationOverdue', orderId: orderOf(input.checkId), input: {} });
  },
  async blockOrderValues(input) {
    calls.push({ name: 'blockOrderValues', orderId: input.order.orderId, input: { types: input.types, actor: input.actor, checkId: input.checkId } });
    return input.types;
  },
};

describe('check workflow, every timer and message path (mocked activities, short timers)', function () {
  this.timeout(60_000);
  let env: TestWorkflowEnvironment;
  let client: Client;
  let bundle: WorkflowBundle;
  const workers: Worker[] = [];
  const running: Promise<void>[] = [];
  let started = 0;

  before(async function () {
    this.timeout(180_000);
    started = Date.now();
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // a runtime already exists in this process: keep its logger
    }
    [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalBinary() }, ip: '127.0.0.1' } }),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), failureConverterPath, logger: quiet }),
    ]);
    const keys = payloadKeys(Buffer.from(REPLAY_DOCUMENT_KEY, 'base64'), undefined);
    const converter = dataConverter(keys.keys, keys.current);
    client = new Client({ connection: env.connection, dataConverter: converter });
    for (const taskQueue of [taskQueues.checks, taskQueues.documents]) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        dataConverter: converter,
        activities,
        ...(taskQueue === taskQueues.checks ? { workflowBundle: bundle } : {}),
      });
      workers.push(worker);
      running.push(worker.run());
    }
    console.log(`      (server, bundle and workers ready in ${Date.now() - started} ms)`);
    started = Date.now();
  });

  after(async function () {
    console.log(`      (the paths ran in ${Date.now() - started} ms)`);
    for (const w of workers) w.shutdown();
    await Promise.all(running);
    await env?.teardown();
  });

  /** Submits an order as the API does (update-with-start by function reference), planned to get `plan`. */
  async function submit(plan: Plan, durations: Partial<Durations> = {}): Promise<{ orderId: string; check: CheckState }> {
    const order = cleanOrder() as Order;
    plans.set(order.orderId, plan);
    const input: CheckWorkflowInput = {
      checkId: `chk_${order.orderId}`,
      order,
      bodyHash: 'h',
      submissionId: randomUUID(),
      durations: { ...quietDurations, ...durations },
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(checkWorkflow, {
      workflowId: workflowIdFor(order.orderId),
      taskQueue: taskQueues.checks,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const result = await client.workflow.executeUpdateWithStart(submitUpdate, { args: [{ submissionId: input.submissionId, bodyHash: 'h' }], startWorkflowOperation });
    expect(result.created).to.equal(true);
    return { orderId: order.orderId, check: result.check };
  }

  const handle = (orderId: string) => client.workflow.getHandle(workflowIdFor(orderId));
  const state = (orderId: string) => handle(orderId).query(stateQuery);

  /** Polls the workflow's state until `done` holds (timers run in real time). */
  async function until(orderId: string, done: (s: CheckState) => boolean, what: string, timeoutMs = 15_000): Promise<CheckState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await state(orderId);
      if (done(s)) return s;
      if (Date.now() > deadline) throw new Error(`${orderId} never ${what}: ${s.status}, ${JSON.stringify(s.timeline.map((t) => t.event))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const claim = (orderId: string, reviewerId: string, role: string) => handle(orderId).executeUpdate(claimUpdate, { args: [{ reviewerId, role }] });
  const decide = (orderId: string, reviewerId: string, role: string, action: 'approve' | 'reject' | 'request_documents' | 'escalate' | 'report', requested?: ('identity' | 'address')[]) =>
    handle(orderId).executeUpdate(decideUpdate, { args: [{ action, reason: `${action} because`, reviewerId, role, ...(requested ? { requested } : {}) }] });
  const upload = (orderId: string, documentId: string, kind: 'identity' | 'address' = 'identity', round = 1) =>
    handle(orderId).executeUpdate(documentReceivedUpdate, { args: [{ documentId, kind, round, uploadedAt: new Date().toISOString() }] });

  /** The refusal an update got: its failure type and message. */
  async function refusal(update: Promise<unknown>): Promise<{ type: string; message: string }> {
    try {
      await update;
    } catch (error) {
      expect(error).to.be.instanceOf(WorkflowUpdateFailedError);
      const cause = (error as WorkflowUpdateFailedError).cause as unknown as { type: string; message: string };
      return { type: cause.type, message: cause.message };
    }
    throw new Error('the update was not refused');
  }

  const events = (s: CheckState) => s.timeline.map((t) => t.event);
  const webhooks = (orderId: string) => called(orderId, 'deliverWebhook');

  it('approved at once: one status change delivered, and the workflow completes', async () => {
    const { orderId, check } = await submit({ action: 'approve' });
    expect(check.status).to.equal('approved');
    await handle(orderId).result();
    expect(webhooks(orderId)).to.deep.equal([{ type: 'check.status_changed', sequence: 1, status: 'approved' }]);
    expect(called(orderId, 'projectCheck').length).to.equal(0); // the decision wrote the read model itself
  });

  it('reminders, then the upload deadline expires the check', async () => {
    const { orderId } = await submit({ action: 'verify' }, { reminderIntervalMs: 300, uploadDeadlineMs: 1000 });
    await handle(orderId).result();
    const s = await state(orderId);
    expect(events(s)).to.deep.equal(['scored', 'expired']);
    expect(s.verification).to.equal(null);
    expect(called(orderId, 'sendVerificationEmail').map((m) => m.reminder)).to.have.members([0, 1, 2, 3]);
    expect(webhooks(orderId).map((w) => [w.sequence, w.status])).to.have.deep.members([
      [1, 'awaiting_documents'],
      [2, 'expired'],
    ]);
    expect(called(orderId, 'projectCheck').at(-1)).to.deep.equal({ version: s.version, status: 'expired' });
  });

  it('the review SLA escalates; nobody deciding the escalation flags it overdue; a senior approves', async () => {
    const { orderId } = await submit({ action: 'review' }, { reviewSlaMs: 300, escalationSlaMs: 300 });
    const overdue = await until(orderId, (s) => Boolean(s.escalationOverdueAt), 'was flagged overdue');
    expect(events(overdue)).to.deep.equal(['scored', 'sla_escalated']);
    expect(called(orderId, 'escalationOverdue')).to.have.length(1);
    expect(webhooks(orderId).map((w) => [w.sequence, w.type])).to.have.deep.members([
      [1, 'check.status_changed'],
      [2, 'check.status_changed'],
      [3, 'check.escalation_overdue'],
    ]);
    expect((await refusal(claim(orderId, 'rev_1', 'reviewer'))).type).to.equal('forbidden');
    await claim(orderId, 'sen_1', 'senior');
    const approved = await decide(orderId, 'sen_1', 'senior', 'approve');
    expect(approved.status).to.equal('approved');
    await handle(orderId).result();
    expect(called(orderId, 'escalationOverdue')).to.have.length(1);
  });

  it('a claim holds for its lease: others are refused until it runs out; an admin takes it over', async () => {
    const { orderId } = await submit({ action: 'review' }, { claimLeaseMs: 700 });
    const first = await claim(orderId, 'rev_1', 'reviewer');
    expect(first.assignee).to.equal('rev_1');
    expect(await refusal(claim(orderId, 'rev_2', 'reviewer'))).to.deep.include({ type: 'already_claimed' });
    expect((await refusal(decide(orderId, 'rev_2', 'reviewer', 'approve'))).type).to.equal('claim_required');
    await new Promise((r) => setTimeout(r, Date.parse(first.leaseExpiresAt) - Date.now() + 100));
    expect((await claim(orderId, 'rev_2', 'reviewer')).assignee).to.equal('rev_2');
    expect((await claim(orderId, 'adm_1', 'admin')).assignee).to.equal('adm_1');
    await decide(orderId, 'adm_1', 'admin', 'reject');
    await handle(orderId).result();
    expect(called(orderId, 'auditEvent').filter((a) => a.action === 'case.claimed')).to.have.length(3);
  });

  it('cancel while waiting for documents: cancelled once, the workflow completes; a second cancel answers the same', async () => {
    const { orderId } = await submit({ action: 'verify' });
    const cancelled = await handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason: 'customer cancelled', actor: { type: 'service', id: 'shop' } }] });
    expect(cancelled.status).to.equal('cancelled');
    await handle(orderId).result();
    expect(events(await state(orderId))).to.deep.equal(['scored', 'cancelled']);
    expect(webhooks(orderId).map((w) => [w.sequence, w.status])).to.have.deep.members([
      [1, 'awaiting_documents'],
      [2, 'cancelled'],
    ]);
  });

  it('request_documents opens a new round and e-mails it; a cancel meanwhile waits for it, decisions are refused', async () => {
    const { orderId } = await submit({ action: 'review' });
    let open!: () => void;
    gates.set(orderId, new Promise<void>((r) => (open = r)));
    await claim(orderId, 'rev_1', 'reviewer');
    const requesting = decide(orderId, 'rev_1', 'reviewer', 'request_documents', ['address', 'identity']);
    while (called(orderId, 'openVerificationRound').length === 0) await new Promise((r) => setTimeout(r, 20));
    const cancelling = handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason: 'customer cancelled', actor: { type: 'service' } }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(await refusal(decide(orderId, 'rev_1', 'reviewer', 'approve'))).to.deep.equal({
      type: 'invalid_state',
      message: 'another decision is being applied (request_documents); try again',
    });
    open();
    const requested = await requesting;
    expect(requested.status).to.equal('awaiting_documents');
    expect(requested.verification).to.deep.include({ round: 1, requested: ['address', 'identity'], remindersSent: 0 });
    await until(orderId, () => called(orderId, 'sendVerificationEmail').length > 0, 'e-mailed the link');
    expect(called(orderId, 'sendVerificationEmail')).to.deep.equal([{ round: 1, reminder: 0 }]);
    expect((await cancelling).status).to.equal('cancelled');
    await handle(orderId).result();
    expect(events(await state(orderId))).to.deep.equal(['scored', 'documents_requested', 'cancelled']);
  });

  for (const [action, status, event] of [
    ['approve', 'approved', 'approved'],
    ['reject', 'rejected', 'rejected'],
    ['report', 'rejected', 'reported'],
  ] as const) {
    it(`${action}: ${status}, audited and delivered, and the workflow completes`, async () => {
      const { orderId } = await submit({ action: 'review' });
      await claim(orderId, 'sen_1', 'senior');
      const decided = await decide(orderId, 'sen_1', 'senior', action);
      expect(decided.status).to.equal(status);
      expect(decided.timeline.at(-1)).to.deep.include({ event, actor: { type: 'reviewer', id: 'sen_1', role: 'senior' } });
      await handle(orderId).result();
      // Activities run side by side: their order of arrival is not the order they were scheduled in.
      expect(called(orderId, 'auditEvent').map((a) => a.action)).to.have.members(['case.claimed', `decision.${action}`, 'status.changed']);
      expect(webhooks(orderId).map((w) => [w.sequence, w.status])).to.have.deep.members([
        [1, 'in_review'],
        [2, status],
      ]);
    });
  }

  it("a reject with `block` puts the order's values on the block list before it answers; `block` without a reject is refused", async () => {
    const { orderId } = await submit({ action: 'review' });
    await claim(orderId, 'rev_1', 'reviewer');
    const wrong = await refusal(
      handle(orderId).executeUpdate(decideUpdate, { args: [{ action: 'approve', reason: 'fine', reviewerId: 'rev_1', role: 'reviewer', block: ['email'] }] }),
    );
    expect(wrong.type).to.equal('invalid_request');
    expect(called(orderId, 'blockOrderValues')).to.deep.equal([]);
    const decided = await handle(orderId).executeUpdate(decideUpdate, {
      args: [{ action: 'reject', reason: 'stolen card', reviewerId: 'rev_1', role: 'reviewer', block: ['card_fingerprint', 'email'] }],
    });
    expect(decided.status).to.equal('rejected');
    // Answered only once the entries are stored.
    expect(called(orderId, 'blockOrderValues')).to.deep.equal([
      { types: ['card_fingerprint', 'email'], actor: { type: 'reviewer', id: 'rev_1', role: 'reviewer' }, checkId: decided.checkId },
    ]);
    await handle(orderId).result();
  });

  it('a reviewer may not report; an escalated case goes to the senior queue', async () => {
    const { orderId } = await submit({ action: 'review' });
    await claim(orderId, 'rev_1', 'reviewer');
    expect((await refusal(decide(orderId, 'rev_1', 'reviewer', 'report'))).type).to.equal('forbidden');
    const escalated = await decide(orderId, 'rev_1', 'reviewer', 'escalate');
    expect(escalated).to.deep.include({ status: 'escalated', claim: null });
    await handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason: 'done', actor: { type: 'service' } }] });
    await handle(orderId).result();
  });

  it('documents arriving: a rejected one keeps the check waiting, accepted ones of every kind put it in review', async () => {
    const { orderId } = await submit({ action: 'verify', requested: ['identity', 'address'] });
    processing.set(`${orderId}_blurry`, { status: 'rejected', reason: 'blurry', flags: ['blurry'], duplicates: [] });
    expect((await refusal(upload(orderId, `${orderId}_x`, 'payment_ownership' as 'identity'))).type).to.equal('invalid_request');
    expect((await upload(orderId, `${orderId}_blurry`)).status).to.equal('processing');
    await until(orderId, (s) => s.documents[0]?.status === 'rejected', 'rejected the blurry document');
    await upload(orderId, `${orderId}_id`, 'identity');
    await upload(orderId, `${orderId}_addr`, 'address');
    const inReview = await until(orderId, (s) => s.status === 'in_review', 'went to review');
    expect(inReview.documents.map((d) => d.status)).to.deep.equal(['rejected', 'accepted', 'accepted']);
    expect(inReview.timeline.at(-1)).to.deep.include({ event: 'documents_received', actor: { type: 'system' } });
    expect(inReview.slaDueAt).to.be.a('string');
    await handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason: 'done', actor: { type: 'service' } }] });
    await handle(orderId).result();
  });

  it("a duplicate: the ruleset's DUPLICATE_DOCUMENT (versioned by a patch marker), and the other check's document flagged", async () => {
    const first = await submit({ action: 'verify' });
    await upload(first.orderId, `${first.orderId}_id`);
    await until(first.orderId, (s) => s.status === 'in_review', 'went to review');
    const second = await submit({ action: 'verify', score: 40 });
    const copy = `${second.orderId}_id`;
    processing.set(copy, {
      status: 'accepted',
      reason: null,
      flags: ['duplicate'],
      duplicates: [{ orderId: first.orderId, checkId: first.check.checkId, documentId: `${first.orderId}_id`, distance: 0, exact: true }],
    });
    await upload(second.orderId, copy);
    const scored = await until(second.orderId, (s) => s.status === 'in_review', 'went to review');
    const rule = ruleset.rules.find((r) => r.code === 'DUPLICATE_DOCUMENT')!;
    expect(scored.risk.score).to.equal(40 + rule.points);
    expect(scored.risk.band).to.equal('high');
    expect(scored.risk.reasons[0]).to.deep.equal({ code: 'DUPLICATE_DOCUMENT', points: rule.points, detail: 'a identity document matches one on 1 other check(s)' });
    const flagged = await until(first.orderId, (s) => s.documents[0].duplicates.length > 0, "learnt of the copy");
    expect(flagged.documents[0]).to.deep.include({ flags: ['duplicate'] } as Partial<DocumentState>);
    expect(flagged.documents[0].duplicates).to.deep.equal([{ checkId: second.check.checkId, documentId: copy, distance: 0, exact: true }]);
    const history = await handle(second.orderId).fetchHistory();
    const patches = (history.events ?? []).flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
    });
    expect(patches).to.include('duplicate-document-rule');
    for (const { orderId } of [first, second]) {
      await handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason: 'done', actor: { type: 'service' } }] });
      await handle(orderId).result();
    }
  });
});

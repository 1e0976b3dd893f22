/**
 * Racing transitions (issue 8): a reviewer's decision against the pipeline's
 * cancel, and against a second decision — sent at the same instant and 40 ms
 * apart, 20 trials each. Every call must be answered (200 or 409) within
 * seconds, every view of the check must agree afterwards (the pipeline's GET,
 * the reviewer's case, the read model, the queue), and no workflow task may
 * fail (a failed task is retried forever: the check would be wedged).
 */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { call, type Reply } from './client';
import { getHarness, type Harness } from './harness';
import { reviewOrder } from '../fixtures/orders';

const TRIALS = 20;
/** Trials run this many at a time: each races within itself; together they only add load. */
const AT_ONCE = 5;
/** How long a racing call may take before it counts as hung (the old code hung forever). */
const ANSWER_WITHIN_MS = 20_000;
const WORKFLOW_TASK_FAILED = proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;

type Action = 'approve' | 'reject' | 'request_documents' | 'escalate';
const targets: Record<Action, string> = { approve: 'approved', reject: 'rejected', request_documents: 'awaiting_documents', escalate: 'escalated' };
const isFinalStatus = (s: string) => ['approved', 'rejected', 'expired', 'cancelled'].includes(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('racing transitions (integration)', function () {
  this.timeout(900_000);
  let h: Harness;
  let db: mongoose.Connection;
  let connection: Connection;
  let temporal: Client;
  let holder: string;
  let other: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    connection = await Connection.connect({ address: h.stack.temporalAddress });
    temporal = new Client({ connection });
    // Seniors: after an escalation the holder may still be refused by the claim, never by the role.
    [holder, other] = await Promise.all([h.token('sen_race', 'senior'), h.token('sen_other', 'senior')]);
  });
  after(async () => {
    await db?.close();
    await connection?.close();
  });

  /** A call that is answered, or `status: 0` when it hangs past ANSWER_WITHIN_MS. */
  const timed = async (method: string, path: string, token: string, json: unknown): Promise<Reply> => {
    try {
      return await call(h.baseUrl, method, path, { token, json, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    } catch {
      return { status: 0, body: { error: { code: 'no_answer' } }, headers: new Headers() };
    }
  };

  const openCase = async () => {
    const order = reviewOrder();
    const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.body.status).to.equal('in_review');
    const claimed = await call(h.baseUrl, 'POST', `/v1/review/cases/${created.body.checkId}/claim`, { token: holder, json: {} });
    expect(claimed.status).to.equal(200);
    return { orderId: order.orderId, checkId: created.body.checkId as string };
  };

  const decision = (checkId: string, action: Action) => () =>
    timed('POST', `/v1/review/cases/${checkId}/decision`, holder, {
      action,
      reason: `race: ${action}`,
      ...(action === 'request_documents' ? { requested: ['address'] } : {}),
    });
  const cancel = (orderId: string) => () => timed('POST', `/v1/checks/${orderId}/cancel`, h.serviceKey, { reason: 'race: order cancelled upstream' });

  /** Waits until every view of the check agrees; returns the status, or a description of what disagrees. */
  async function settle(orderId: string, checkId: string): Promise<{ status?: string; problem?: string }> {
    let last = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const [pipeline, reviewerView] = await Promise.all([
        timed('GET', `/v1/checks/${orderId}`, h.serviceKey, undefined),
        timed('GET', `/v1/review/cases/${checkId}`, holder, undefined),
      ]);
      const record = await db.collection('checks').findOne({ _id: checkId as never });
      const queued = await db.collection('queue').findOne({ _id: checkId as never });
      const status = pipeline.body?.status as string | undefined;
      last = `GET ${pipeline.status} ${status}, case ${reviewerView.status} ${reviewerView.body?.status}, read model ${record?.status}, queue ${queued?.status ?? 'none'}`;
      const agree =
        pipeline.status === 200 &&
        reviewerView.status === 200 &&
        reviewerView.body.status === status &&
        record?.status === status &&
        pipeline.body.timeline.at(-1).to === status &&
        // A check that left the queue keeps its entry, with its final status, until the purge
        // (the API's in-memory queue sees it leave by equality lookups: app/openQueue.ts).
        (isFinalStatus(status!) ? queued === null || queued.status === status : queued?.status === status);
      if (agree) return { status };
      await sleep(200);
    }
    return { problem: `views disagree: ${last}` };
  }

  async function failedTasks(orderId: string): Promise<number> {
    const history = await temporal.workflow.getHandle(`fraud-check/${orderId}`).fetchHistory();
    return (history.events ?? []).filter((e) => e.eventType === WORKFLOW_TASK_FAILED).length;
  }

  /**
   * Runs TRIALS races, AT_ONCE at a time (each on its own check): `first`, then
   * `second` `gapMs` later. `judge` says what is wrong with one trial's answers
   * and end state, if anything. Collects every trial's problems, then asserts none.
   */
  async function trials(
    make: (c: { orderId: string; checkId: string }) => [() => Promise<Reply>, () => Promise<Reply>],
    gapMs: number,
    judge: (a: Reply, b: Reply, status: string) => string | undefined,
  ): Promise<void> {
    const problems: (string | undefined)[] = [];
    for (let batch = 0; batch < TRIALS / AT_ONCE; batch++) {
      problems.push(...(await runBatch(batch * AT_ONCE, make, gapMs, judge)));
    }
    const bad = problems.filter(Boolean);
    expect(bad, `${bad.length} of ${TRIALS} trials went wrong:\n${bad.join('\n')}`).to.deep.equal([]);
  }

  async function runBatch(
    offset: number,
    make: (c: { orderId: string; checkId: string }) => [() => Promise<Reply>, () => Promise<Reply>],
    gapMs: number,
    judge: (a: Reply, b: Reply, status: string) => string | undefined,
  ): Promise<(string | undefined)[]> {
    const cases = await Promise.all(Array.from({ length: AT_ONCE }, openCase));
    return Promise.all(
      cases.map(async (c, n) => {
        const i = offset + n;
        const [first, second] = make(c);
        const [a, b] = await Promise.all([first(), sleep(gapMs).then(second)]);
        const out: string[] = [];
        for (const [name, r] of [['first', a], ['second', b]] as const) {
          if (r.status !== 200 && r.status !== 409) out.push(`${name} answered ${r.status} ${r.body?.error?.code ?? ''}`);
        }
        const settled = await settle(c.orderId, c.checkId);
        if (settled.problem) out.push(settled.problem);
        else {
          const wrong = judge(a, b, settled.status!);
          if (wrong) out.push(wrong);
          // Whatever won, the case answers a claim: 409 once final, never a 500.
          const claim = await timed('POST', `/v1/review/cases/${c.checkId}/claim`, other, {});
          const expected = isFinalStatus(settled.status!) ? [409] : [200, 409];
          if (!expected.includes(claim.status)) out.push(`claim on a ${settled.status} case answered ${claim.status}`);
        }
        const failed = await failedTasks(c.orderId);
        if (failed > 0) out.push(`${failed} WorkflowTaskFailed in history`);
        return out.length ? `trial ${i + 1} (${c.orderId}): first ${a.status}, second ${b.status}: ${out.join('; ')}` : undefined;
      }),
    );
  }

  const actions: Action[] = ['approve', 'reject', 'request_documents', 'escalate'];

  for (const action of actions) {
    for (const gapMs of [0, 40]) {
      it(`${action} against the pipeline's cancel ${gapMs ? `${gapMs} ms later` : 'at the same instant'}: both answered, one story`, async () => {
        await trials((c) => [decision(c.checkId, action), cancel(c.orderId)], gapMs, (d, x, status) => {
          if (x.status === 200 && status !== 'cancelled') return `cancel answered 200 but the check is ${status}`;
          if (x.status === 200 && x.body.status !== 'cancelled') return `cancel answered 200 with ${x.body.status}`;
          if (isFinalStatus(targets[action])) {
            // approve/reject and cancel exclude each other: exactly one wins.
            if ((d.status === 200) === (x.status === 200)) return `decision ${d.status} and cancel ${x.status}: exactly one should win`;
            if (d.status === 200 && status !== targets[action]) return `decision won but the check is ${status}`;
          } else {
            // A held check can always be cancelled: after the decision, or instead of it.
            if (x.status !== 200) return `cancel of a held check answered ${x.status}`;
            if (d.status === 200 && x.status === 200 && !d.body.timeline.some((t: { to: string }) => t.to === targets[action])) {
              return 'decision answered 200 but its transition is not in the timeline';
            }
          }
          return undefined;
        });
      });
    }
  }

  for (const [firstAction, secondAction] of [
    ['request_documents', 'approve'],
    ['approve', 'request_documents'],
    ['reject', 'escalate'],
    ['escalate', 'request_documents'],
  ] as [Action, Action][]) {
    for (const gapMs of [0, 40]) {
      it(`${firstAction} against a second decision (${secondAction}) ${gapMs ? `${gapMs} ms later` : 'at the same instant'}: exactly one wins`, async () => {
        await trials((c) => [decision(c.checkId, firstAction), decision(c.checkId, secondAction)], gapMs, (a, b, status) => {
          if ((a.status === 200) === (b.status === 200)) return `answers ${a.status} and ${b.status}: exactly one should win`;
          const won = a.status === 200 ? firstAction : secondAction;
          if (status !== targets[won]) return `${won} won but the check is ${status}`;
          return undefined;
        });
      });
    }
  }
});

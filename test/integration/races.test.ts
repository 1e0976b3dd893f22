/**
 * Races across processes, in the production topology: two API processes, two
 * checks workers and one documents worker on one stack (the harness's worker and
 * documents worker, plus a second checks worker and two APIs started here).
 * Every race is run 20 times, each with its two sides sent through different
 * APIs: exactly one winner, every loser a 409, and afterwards one consistent
 * story in the workflow, the reviewer's view, the read model and the webhooks.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { call, type Reply } from './client';
import { eventually, getHarness, type Harness } from './harness';
import type { Service } from '../../stack/services';
import { reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { distinctPageJpeg } from '../fixtures/images';

const TRIALS = 20;
/** Trials run a few at a time (each is its own check, so they do not race each other). */
const AT_ONCE = 4;
/** A call that has not answered by then is a wedged check, not a slow one. */
const ANSWER_WITHIN_MS = 30_000;

/**
 * Runs `trial(0…TRIALS-1)`, AT_ONCE at a time, and fails listing every trial
 * that failed (not only the first): how often a race is lost is part of the finding.
 */
async function trials(trial: (i: number) => Promise<void>, atOnce = AT_ONCE): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      for (let i = next++; i < TRIALS; i = next++) {
        await trial(i).catch((error: Error) => failures.push(`trial ${i}: ${error.message}`));
      }
    }),
  );
  expect(failures, `${failures.length} of ${TRIALS} trials failed`).to.deep.equal([]);
}

describe('races across processes: 2 APIs, 2 checks workers, 1 documents worker (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let db: mongoose.Connection;
  let apis: [string, string];
  const extra: Service[] = [];
  let ann: string;
  let bob: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    const [a, b, worker] = await Promise.all([h.startApi({}), h.startApi({}), h.startWorker('checks')]);
    extra.push(a.service, b.service, worker);
    apis = [a.baseUrl, b.baseUrl];
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    [ann, bob] = await Promise.all([h.token('rev_race_ann', 'reviewer'), h.token('rev_race_bob', 'reviewer')]);
  });
  after(async () => {
    await db?.close();
    await Promise.all(extra.map((s) => s.stop()));
  });

  /** The API of trial `i`'s side `side` (0 or 1): the two sides always go through different processes. */
  const api = (i: number, side: 0 | 1) => apis[(i + side) % 2];
  const send = (baseUrl: string, method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
    call(baseUrl, method, path, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS), ...options }).catch((error: Error) => {
      throw new Error(`${method} ${path} on ${baseUrl} did not answer: ${error.message}`);
    });
  const submit = (baseUrl: string, order: unknown) => send(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
  const claim = (baseUrl: string, token: string, checkId: string) => send(baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token, json: {} });
  const decide = (baseUrl: string, token: string, checkId: string, json: unknown) =>
    send(baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, { token, json });
  const cancel = (baseUrl: string, orderId: string) =>
    send(baseUrl, 'POST', `/v1/checks/${orderId}/cancel`, { token: h.serviceKey, json: { reason: 'cancelled upstream' } });
  const check = async (orderId: string) => (await send(apis[0], 'GET', `/v1/checks/${orderId}`, { token: h.serviceKey })).body;
  const reviewCase = async (checkId: string) => (await send(apis[1], 'GET', `/v1/review/cases/${checkId}`, { token: ann })).body;

  const newCase = async (i: number) => {
    const order = reviewOrder();
    const res = await submit(api(i, 0), order);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('in_review');
    return { orderId: order.orderId, checkId: res.body.checkId as string };
  };

  /** The read model follows the workflow: same status and version, one record per order. */
  const readModelAgrees = async (orderId: string) => {
    const live = await check(orderId);
    const record = await eventually(async () => {
      const docs = await db.collection('checks').find({ orderId }).toArray();
      expect(docs, `read model records of ${orderId}`).to.have.length(1);
      return docs[0].status === live.status && docs[0].timeline.length === live.timeline.length ? docs[0] : undefined;
    }, 20_000, `read model of ${orderId}`);
    expect(record._id).to.equal(live.checkId);
  };

  /**
   * Webhooks: one event id per transition, a redelivered id always carries the same content and
   * sequence, and the event with the highest sequence tells the check's status. Deliveries are
   * at least once and may arrive out of order (two transitions in quick succession, such as a
   * cancel that waited for request_documents, are delivered side by side): the receiver orders
   * by `sequence`, not by arrival.
   */
  const webhooksAgree = async (orderId: string) => {
    const live = await check(orderId);
    const events = await eventually(() => {
      const e = h.webhooks.forOrder(orderId);
      return new Set(e.map((x) => x.id)).size >= live.timeline.length ? e : undefined;
    }, 30_000, `webhooks of ${orderId}`);
    const byId = new Map<string, { content: string; sequence: number | undefined }>();
    for (const e of events) {
      const content = JSON.stringify(e.data);
      const first = byId.get(e.id) ?? { content, sequence: e.sequence };
      expect(first.content, `event ${e.id} delivered twice with different content`).to.equal(content);
      expect(first.sequence, `event ${e.id} delivered twice with different sequences`).to.equal(e.sequence);
      byId.set(e.id, first);
    }
    expect(byId.size).to.equal(live.timeline.length);
    const inOrder = [...byId.values()].sort((a, b) => a.sequence! - b.sequence!);
    expect(inOrder.map((e) => e.sequence), 'one sequence number per event, from 1').to.deep.equal(inOrder.map((_, i) => i + 1));
    expect(JSON.parse(inOrder.at(-1)!.content).status, `the last event by sequence, of ${inOrder.length}`).to.equal(live.status);
  };

  const statuses = (replies: Reply[]) => replies.map((r) => r.status).sort();

  it(`two reviewers claim one case through different APIs: one 200, one 409 already_claimed (${TRIALS} trials)`, async () => {
    await trials(async (i) => {
      const { checkId } = await newCase(i);
      const [a, b] = await Promise.all([claim(api(i, 0), ann, checkId), claim(api(i, 1), bob, checkId)]);
      const story = JSON.stringify([a.status, a.body, b.status, b.body]);
      expect(statuses([a, b]), story).to.deep.equal([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.error.code, story).to.equal('already_claimed');
      expect(['rev_race_ann', 'rev_race_bob']).to.include(winner.body.assignee);
      const view = await reviewCase(checkId);
      expect(view.claim?.assignee, `the case shows the winner: ${story}`).to.equal(winner.body.assignee);
    });
  });

  it(`two decisions on one case through different APIs: one 200, one 409 (${TRIALS} trials)`, async () => {
    await trials(async (i) => {
      const { orderId, checkId } = await newCase(i);
      expect((await claim(api(i, 0), ann, checkId)).status).to.equal(200);
      const [a, b] = await Promise.all([
        decide(api(i, 0), ann, checkId, { action: 'approve', reason: 'documents check out' }),
        decide(api(i, 1), ann, checkId, { action: 'reject', reason: 'card looks stolen' }),
      ]);
      const story = JSON.stringify([a.status, a.body.error ?? a.body.status, b.status, b.body.error ?? b.body.status]);
      expect(statuses([a, b]), story).to.deep.equal([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.error.code, story).to.equal('invalid_state');
      const live = await check(orderId);
      expect(live.status, story).to.equal(winner.body.status);
      expect(live.timeline.filter((t: { actor: { type: string } }) => t.actor.type === 'reviewer'), story).to.have.length(1);
      expect((await reviewCase(checkId)).status, story).to.equal(live.status);
      await readModelAgrees(orderId);
      await webhooksAgree(orderId);
    });
  });

  const decisions = [
    { action: 'approve', reason: 'verified by phone' },
    { action: 'reject', reason: 'stolen card' },
    { action: 'escalate', reason: 'needs a senior' },
    { action: 'request_documents', reason: 'prove the address', requested: ['address'] },
  ] as const;

  it(`a reviewer's decision against the pipeline's cancel, through different APIs: each answered 200 or 409, one story (${TRIALS} trials)`, async () => {
    await trials(async (i) => {
      const decision = decisions[i % decisions.length];
      const { orderId, checkId } = await newCase(i);
      expect((await claim(api(i, 0), ann, checkId)).status).to.equal(200);
      const [d, c] = await Promise.all([decide(api(i, 0), ann, checkId, decision), cancel(api(i, 1), orderId)]);
      const story = `${decision.action} vs cancel: decision ${d.status} ${JSON.stringify(d.body.error?.code ?? d.body.status)}, cancel ${c.status} ${JSON.stringify(c.body.error?.code ?? c.body.status)}`;
      expect([200, 409], story).to.include(d.status);
      expect([200, 409], story).to.include(c.status);
      if (d.status === 409) expect(d.body.error.code, story).to.equal('invalid_state');
      if (c.status === 409) expect(c.body.error.code, story).to.equal('invalid_state');
      if (decision.action === 'approve' || decision.action === 'reject') expect(statuses([d, c]), story).to.deep.equal([200, 409]);
      else expect(c.status, `${story}: escalated and awaiting checks can still be cancelled`).to.equal(200);
      const live = await check(orderId);
      expect(live.status, story).to.equal(c.status === 200 ? 'cancelled' : d.body.status);
      expect(live.timeline.filter((t: { event: string }) => t.event === 'cancelled'), story).to.have.length(c.status === 200 ? 1 : 0);
      expect(live.timeline.filter((t: { actor: { type: string } }) => t.actor.type === 'reviewer'), story).to.have.length(d.status === 200 ? 1 : 0);
      expect((await reviewCase(checkId)).status, story).to.equal(live.status);
      // Still alive: an idempotent cancel answers at once, with the same final state.
      const again = await cancel(api(i, 0), orderId);
      expect(again.status, story).to.equal(live.status === 'cancelled' ? 200 : 409);
      await readModelAgrees(orderId);
      await webhooksAgree(orderId);
    });
  });

  it(`two uploads of the same kind through different APIs: each lands once or is cleanly refused; the same photo is never held twice (${TRIALS} trials)`, async () => {
    const upload = (baseUrl: string, token: string, jpeg: Buffer) => {
      const form = new FormData();
      form.append('kind', 'identity');
      form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'id.jpg');
      return send(baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
    };
    await trials(async (i) => {
      // Even trials: the same photo twice (a double tap, a retry through another replica).
      // Odd trials: two different photos. No trial's photo is like another trial's: duplicate
      // detection across checks is not what this race is about.
      const samePhoto = i % 2 === 0;
      const [first, second] = await Promise.all([distinctPageJpeg(9_000 + 2 * i), distinctPageJpeg(samePhoto ? 9_000 + 2 * i : 9_001 + 2 * i)]);
      const order = suspiciousOrder();
      const created = await submit(api(i, 0), order);
      expect(created.body.status).to.equal('awaiting_documents');
      const token = created.body.verification.token as string;
      const replies = await Promise.all([upload(api(i, 0), token, first), upload(api(i, 1), token, second)]);
      const story = `${samePhoto ? 'same photo' : 'two photos'}: ${JSON.stringify(replies.map((r) => [r.status, r.body.error?.code ?? r.body.documentId]))}`;
      for (const r of replies.filter((x) => x.status !== 202)) {
        expect(r.status, story).to.be.within(400, 499);
        expect(r.body.error.code, story).to.be.a('string');
      }
      const landed = [...new Set(replies.filter((r) => r.status === 202).map((r) => r.body.documentId as string))];
      expect(landed.length, `at least one upload lands: ${story}`).to.be.at.least(1);
      const documents = await eventually(async () => {
        const page = await send(api(i, 1), 'GET', `/v1/verification/${token}`);
        const docs = page.body.documents as { documentId: string; status: string }[];
        return docs.every((d) => d.status !== 'processing') ? docs : undefined;
      }, 120_000, `processing (${story})`);
      expect(documents.map((d) => d.documentId).sort(), `each landed upload held once: ${story}`).to.deep.equal([...landed].sort());
      if (samePhoto) expect(landed, `one document for one photo: ${story}`).to.have.length(1);
      expect(documents.map((d) => d.status), story).to.deep.equal(landed.map(() => 'accepted'));
      const checkId = created.body.checkId as string;
      expect(await db.collection('documents').countDocuments({ checkId }), `document records: ${story}`).to.equal(landed.length);
      // One record per landed upload (a refused or duplicate copy is deleted), and its bytes in the
      // blob store (files under BLOB_DIR here).
      const records = (await db.collection('documents').find({ checkId }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
      expect(records.sort(), `document records: ${story}`).to.deep.equal([...landed].sort());
      const originals = landed.filter((id) => existsSync(path.join(h.dataDir, 'blobs', id, 'original')));
      expect(originals, `stored originals: ${story}`).to.have.length(landed.length);
    });
  });

  it(`20 identical submissions of one order through both APIs: one 201, nineteen 200, one check (${TRIALS} trials)`, async () => {
    // A 503 says "retry the same request" (the API waited 15 s for the decision): the pipeline
    // does, and the retry must find the one check.
    const submitAsThePipelineDoes = async (baseUrl: string, order: unknown) => {
      let reply = await submit(baseUrl, order);
      for (let attempt = 1; reply.status === 503 && attempt <= 3; attempt++) reply = await submit(baseUrl, order);
      return reply;
    };
    await trials(async (i) => {
      const order = i % 2 === 0 ? suspiciousOrder() : reviewOrder();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, k) => submitAsThePipelineDoes(apis[k % 2], order)));
      const story = JSON.stringify(replies.map((r) => r.status));
      expect(replies.filter((r) => r.status === 201), story).to.have.length(1);
      expect(replies.filter((r) => r.status === 200), story).to.have.length(19);
      expect(new Set(replies.map((r) => r.body.checkId)).size, story).to.equal(1);
      expect(new Set(replies.map((r) => JSON.stringify(r.body.verification))).size, story).to.equal(1);
      const live = await check(order.orderId);
      expect(live.timeline, story).to.have.length(1);
      expect(await db.collection('velocity').countDocuments({ _id: order.orderId } as never), story).to.equal(1);
      await readModelAgrees(order.orderId);
    }, 1); // one order at a time: its 20 calls are the race
  });
});

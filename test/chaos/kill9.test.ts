/**
 * kill -9 of each process in turn — the API, the checks worker, the documents
 * worker, the Temporal dev server, FerretDB, PostgreSQL — while 20 checks are in
 * flight in every state: submitted, awaiting documents with an upload under way,
 * in review unclaimed / being claimed / claimed and being decided, escalated,
 * being cancelled. After each kill and restart on the same data:
 *
 * - none lost: every check of every round still answers, with its check id; its
 *   read model agrees with `GET /v1/checks`; its audit chain verifies;
 * - none doubled: one check and one velocity record per order, at most one 201
 *   per order whatever the retries, one webhook event id per transition (a
 *   redelivery repeats an id with the same content), one audit entry per
 *   transition, one document record per document the check holds;
 * - each continues: an awaiting check takes an upload and reaches in_review, a
 *   claimed case is decided, an escalated one by a senior;
 * - an upload in flight either lands once (202, then exactly one processed
 *   document) or is refused (an error), and nothing half-written remains: no
 *   document record or stored blob that its check does not hold.
 *
 * Its own crash-safe stack (fsync on), so it is not in `npm test`: `npm run test:chaos`.
 * The pipeline's calls are retried through the outage (as a pipeline would);
 * uploads are not (a customer sees the error, then tries again).
 */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { call, type Reply } from '../integration/client';
import { eventually, startHarness, type Harness } from '../integration/harness';
import { cleanOrder, reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { distinctPageJpeg } from '../fixtures/images';

const PER_STATE = 20;
/** How long a killed process stays down before it is started again. */
const DOWN_MS = 2_000;
/**
 * In-flight calls start spread over this window, and the kill lands a third of
 * the way in: some are done, some under way, some sent while the process is down.
 */
const SPREAD_MS = 1_500;
const KILL_AFTER_MS = 500;
/**
 * How long recovery may take. Work a killed worker had started is retried when
 * its activity times out: 30 s for the checks queue, 2 min for documents.
 */
const RECOVERY_MS = 300_000;
/** One HTTP attempt; longer is a hang. */
const ATTEMPT_MS = 60_000;

type Victim = 'API' | 'checks worker' | 'documents worker' | 'Temporal' | 'FerretDB' | 'PostgreSQL';
type Outcome = Reply | Error;

interface VictimHandles {
  kill(): Promise<unknown>;
  restart(): Promise<unknown>;
  pid(): number | undefined;
}

interface Tracked {
  orderId: string;
  checkId: string;
  round: Victim;
  /** Uploads answered 202: each must be held once by the check, and processed. */
  landed: string[];
  /** Uploads answered with an error: each either left no trace or landed whole. */
  refused: number;
}

const describeOutcome = (o: Outcome) => (o instanceof Error ? `${o.name}: ${o.message}` : `${o.status} ${JSON.stringify(o.body?.error?.code ?? o.body?.status ?? '')}`);

/** Runs `fn` over `items`, `width` at a time. */
async function each<T, R>(items: T[], fn: (item: T, i: number) => Promise<R>, width = 6): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i], i);
    }),
  );
  return results;
}

describe('kill -9 of each process in turn, with checks in flight in every state (chaos)', function () {
  this.timeout(1_800_000);
  let h: Harness;
  let db: mongoose.Connection;
  const tracked: Tracked[] = [];
  let seed = 5_000;
  let ipCounter = 0;

  before(async function () {
    this.timeout(600_000);
    h = await startHarness({ durable: true });
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
  });
  after(async () => {
    await db?.close().catch(() => undefined);
    await h?.stop();
  });

  // ---- calls ----------------------------------------------------------------
  const attempt = (method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Outcome> =>
    call(h.baseUrl, method, path, { signal: AbortSignal.timeout(ATTEMPT_MS), ...options }).catch((error: Error) => error);

  /** The pipeline's way: the same request again after a network error or a 5xx, until it gets an answer. */
  async function persist(what: string, send: () => Promise<Outcome>): Promise<{ reply: Reply; attempts: Outcome[] }> {
    const attempts: Outcome[] = [];
    const deadline = Date.now() + RECOVERY_MS;
    for (;;) {
      const outcome = await send();
      attempts.push(outcome);
      if (!(outcome instanceof Error) && outcome.status < 500) return { reply: outcome, attempts };
      if (Date.now() > deadline) throw new Error(`${what}: only errors for ${RECOVERY_MS / 1000} s, the last ${describeOutcome(outcome)}`);
      await sleep(500);
    }
  }

  const submit = (order: { orderId: string }) => persist(`submit ${order.orderId}`, () => attempt('POST', '/v1/checks', { token: h.serviceKey, json: order }));
  const claim = (token: string, checkId: string) => persist(`claim ${checkId}`, () => attempt('POST', `/v1/review/cases/${checkId}/claim`, { token, json: {} }));
  const decide = (token: string, checkId: string, action: string) =>
    persist(`${action} ${checkId}`, () => attempt('POST', `/v1/review/cases/${checkId}/decision`, { token, json: { action, reason: `chaos: ${action}` } }));
  const cancel = (orderId: string) =>
    persist(`cancel ${orderId}`, () => attempt('POST', `/v1/checks/${orderId}/cancel`, { token: h.serviceKey, json: { reason: 'cancelled upstream' } }));
  const live = async (orderId: string) => (await persist(`read ${orderId}`, () => attempt('GET', `/v1/checks/${orderId}`, { token: h.serviceKey }))).reply;
  const reviewCase = async (token: string, checkId: string) =>
    (await persist(`case ${checkId}`, () => attempt('GET', `/v1/review/cases/${checkId}`, { token }))).reply;

  /** One upload, as a customer's phone sends it (its own address, so per-address limits see many customers). */
  async function upload(token: string, image?: Buffer): Promise<Outcome> {
    const form = new FormData();
    form.append('kind', 'identity');
    form.append('file', new Blob([image ?? (await distinctPageJpeg(seed++))], { type: 'image/jpeg' }), 'passport.jpg');
    ipCounter++;
    const ip = `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
    return attempt('POST', `/v1/verification/${token}/documents`, { body: form, headers: { 'x-forwarded-for': ip } });
  }

  /** A verify case that asks for identity only: one accepted upload takes it to in_review. */
  const identityOrder = () => {
    const order = suspiciousOrder({ payment: undefined, shippingAddress: undefined });
    return { ...order, device: { ...order.device, ip: `2001:db8:c::${order.orderId.slice(-8, -4)}:${order.orderId.slice(-4)}` } };
  };

  async function create(round: Victim, order: { orderId: string }, status: string) {
    const { reply, attempts } = await submit(order);
    // 200 when an earlier attempt (answered 503 on a slow machine) made the check.
    const created = attempts.filter((a) => !(a instanceof Error) && a.status === 201).length;
    expect(created, `one 201: ${attempts.map(describeOutcome).join(', ')}`).to.equal(reply.status === 201 ? 1 : 0);
    expect([200, 201]).to.include(reply.status);
    expect(reply.body.status).to.equal(status);
    const t: Tracked = { orderId: order.orderId, checkId: reply.body.checkId, round, landed: [], refused: 0 };
    tracked.push(t);
    return { ...t, token: reply.body.verification?.token as string | undefined, tracked: t };
  }

  // ---- one round -------------------------------------------------------------
  async function round(victim: Victim, { kill, restart, pid }: VictimHandles) {
    const [ann, bob, sue] = await Promise.all([h.token('rev_ann', 'reviewer'), h.token('rev_bob', 'reviewer'), h.token('sen_sue', 'senior')]);
    const n = Array.from({ length: PER_STATE }, (_, i) => i);

    // Settled states, made before the kill.
    const awaiting = await each(n, () => create(victim, identityOrder(), 'awaiting_documents'));
    const cancelling = await each(n, () => create(victim, identityOrder(), 'awaiting_documents'));
    const unclaimed = await each(n, () => create(victim, reviewOrder(), 'in_review'));
    const beingClaimed = await each(n, () => create(victim, reviewOrder(), 'in_review'));
    const claimed = await each(n, async () => {
      const c = await create(victim, reviewOrder(), 'in_review');
      expect((await claim(ann, c.checkId)).reply.status).to.equal(200);
      return c;
    });
    const escalated = await each(n, async () => {
      const c = await create(victim, reviewOrder(), 'in_review');
      expect((await claim(ann, c.checkId)).reply.status).to.equal(200);
      expect((await decide(ann, c.checkId, 'escalate')).reply.body.status).to.equal('escalated');
      return c;
    });

    // In flight when the process dies.
    const clean = n.map(() => cleanOrder());
    const images = await each(n, () => distinctPageJpeg(seed++), 2);
    const later = async <T>(i: number, send: () => Promise<T>) => {
      await sleep(Math.floor((i * SPREAD_MS) / PER_STATE));
      return send();
    };
    const inFlight = {
      submissions: Promise.all(clean.map((o, i) => later(i, () => submit(o)))),
      uploads: Promise.all(awaiting.map((c, i) => later(i, () => upload(c.token!, images[i])))),
      claims: Promise.all(beingClaimed.map((c, i) => later(i, () => claim(bob, c.checkId)))),
      decisions: Promise.all(claimed.map((c, i) => later(i, () => decide(ann, c.checkId, i % 2 ? 'reject' : 'approve')))),
      cancels: Promise.all(cancelling.map((c, i) => later(i, () => cancel(c.orderId)))),
    };
    await sleep(KILL_AFTER_MS);
    const before = pid();
    await kill();
    await sleep(DOWN_MS);
    await restart();
    const after = pid();
    expect(after, 'a new process').not.to.equal(before);

    // Every in-flight call has an answer, and it is the right one.
    const submissions = await inFlight.submissions;
    for (const [i, { reply, attempts }] of submissions.entries()) {
      const story = `submission of ${clean[i].orderId}: ${attempts.map(describeOutcome).join(', ')}`;
      expect([200, 201], story).to.include(reply.status);
      expect(reply.body.status, story).to.equal('approved');
      expect(attempts.filter((a) => !(a instanceof Error) && a.status === 201).length, `${story}: at most one 201`).to.be.at.most(1);
      tracked.push({ orderId: clean[i].orderId, checkId: reply.body.checkId, round: victim, landed: [], refused: 0 });
    }
    for (const [i, { reply, attempts }] of (await inFlight.claims).entries()) {
      expect(reply.status, `claim: ${attempts.map(describeOutcome).join(', ')}`).to.equal(200);
      expect(reply.body.assignee).to.equal('rev_bob');
      expect((await reviewCase(ann, beingClaimed[i].checkId)).body.claim?.assignee).to.equal('rev_bob');
    }
    for (const [i, { reply, attempts }] of (await inFlight.decisions).entries()) {
      const target = i % 2 ? 'rejected' : 'approved';
      const story = `decision on ${claimed[i].checkId}: ${attempts.map(describeOutcome).join(', ')}`;
      // A retry of a decision that was taken before the crash finds the case decided.
      if (reply.status === 409) expect(reply.body.error.code, story).to.equal('invalid_state');
      else expect(reply.status, story).to.equal(200);
      const check = (await live(claimed[i].orderId)).body;
      expect(check.status, story).to.equal(target);
      expect(check.timeline.filter((t: { actor: { type: string } }) => t.actor.type === 'reviewer'), `${story}: one decision`).to.have.length(1);
    }
    for (const [i, { reply, attempts }] of (await inFlight.cancels).entries()) {
      const story = `cancel of ${cancelling[i].orderId}: ${attempts.map(describeOutcome).join(', ')}`;
      expect(reply.status, story).to.equal(200);
      expect(reply.body.status, story).to.equal('cancelled');
      expect(reply.body.timeline.filter((t: { event: string }) => t.event === 'cancelled'), `${story}: cancelled once`).to.have.length(1);
    }
    const uploads = await inFlight.uploads;
    for (const [i, outcome] of uploads.entries()) {
      if (!(outcome instanceof Error) && outcome.status === 202) awaiting[i].tracked.landed.push(outcome.body.documentId);
      else {
        // Refused: an error the customer sees (a lost connection, a 5xx, or a 4xx with a code).
        if (!(outcome instanceof Error) && outcome.status < 500) expect(outcome.body.error.code, describeOutcome(outcome)).to.be.a('string');
        awaiting[i].tracked.refused++;
      }
    }
    process.stdout.write(
      `      ${victim} (pid ${before} killed, ${after} started): uploads in flight ${uploads.filter((u) => !(u instanceof Error) && u.status === 202).length} landed, ` +
        `${uploads.filter((u) => u instanceof Error || u.status !== 202).length} refused (${[...new Set(uploads.filter((u) => u instanceof Error || u.status !== 202).map(describeOutcome))].join('; ')}); ` +
        `pipeline calls retried: ${[...submissions, ...(await inFlight.decisions), ...(await inFlight.cancels), ...(await inFlight.claims)].filter((r) => r.attempts.length > 1).length}\n`,
    );

    // Each continues.
    await each(awaiting, async (c) => {
      // Landed uploads are processed (a killed documents worker's work waits for its activity timeout)…
      const processed = await eventually(async () => {
        const view = await reviewCase(sue, c.checkId);
        return view.body.documents.every((d: { status: string }) => d.status !== 'processing') ? view.body : undefined;
      }, RECOVERY_MS, `processing of the uploads of ${c.checkId}`);
      for (const id of c.tracked.landed) {
        expect(processed.documents.filter((d: { documentId: string }) => d.documentId === id), `upload ${id} held once`).to.have.length(1);
      }
      // …and a check whose upload was refused takes the customer's next try: the same photo again.
      if (processed.status === 'awaiting_documents') {
        const again = await persist(`upload to ${c.checkId}`, () => upload(c.token!, images[awaiting.indexOf(c)]));
        expect(again.reply.status, describeOutcome(again.reply)).to.equal(202);
        c.tracked.landed.push(again.reply.body.documentId);
      }
      await eventually(async () => ((await live(c.orderId)).body.status === 'in_review' ? true : undefined), RECOVERY_MS, `${c.checkId} in review`);
      expect((await claim(ann, c.checkId)).reply.status).to.equal(200);
      expect((await decide(ann, c.checkId, 'approve')).reply.body.status).to.equal('approved');
    });
    await each(unclaimed, async (c) => {
      expect((await claim(ann, c.checkId)).reply.status).to.equal(200);
      expect((await decide(ann, c.checkId, 'approve')).reply.body.status).to.equal('approved');
    });
    await each(beingClaimed, async (c) => {
      expect((await decide(bob, c.checkId, 'reject')).reply.body.status).to.equal('rejected');
    });
    await each(escalated, async (c) => {
      expect((await claim(sue, c.checkId)).reply.status).to.equal(200);
      expect((await decide(sue, c.checkId, 'approve')).reply.body.status).to.equal('approved');
    });

    await noneLostNoneDoubled(sue);
    for (const [name, service] of [['API', h.api], ['checks worker', h.worker], ['documents worker', h.documentsWorker]] as const) {
      const exited = await Promise.race([service.exited.then(() => true), sleep(10).then(() => false)]);
      expect(exited, `${name} process survived the ${victim} crash`).to.equal(false);
    }
  }

  // ---- the invariants, over every check of every round so far ------------------
  async function noneLostNoneDoubled(token: string) {
    const problems: string[] = [];
    const orderIds = tracked.map((t) => t.orderId);
    expect(new Set(orderIds).size, 'orders tracked once').to.equal(orderIds.length);
    const records = await db.collection('checks').find({ orderId: { $in: orderIds } }, { projection: { orderId: 1 } }).toArray();
    const perOrder = new Map<string, number>();
    for (const r of records) perOrder.set(r.orderId, (perOrder.get(r.orderId) ?? 0) + 1);
    const velocity = new Set((await db.collection('velocity').find({ _id: { $in: orderIds } } as never, { projection: { _id: 1 } }).toArray()).map((v) => String(v._id)));

    await each(tracked, async (t) => {
      const where = `${t.round}: ${t.orderId} (${t.checkId})`;
      try {
        // None lost: it answers, as the same check.
        const check = (await live(t.orderId)).body;
        if (check.checkId !== t.checkId) return void problems.push(`${where}: answers as ${check.checkId}`);
        // None doubled: one read model, one velocity record.
        if (perOrder.get(t.orderId) !== 1) problems.push(`${where}: ${perOrder.get(t.orderId) ?? 0} read-model records`);
        if (!velocity.has(t.orderId)) problems.push(`${where}: no velocity record`);
        // The read model follows the workflow.
        await eventually(async () => {
          const doc = await db.collection('checks').findOne({ orderId: t.orderId });
          return doc?.status === check.status && doc?.timeline?.length === check.timeline.length ? true : undefined;
        }, 60_000, 'read model').catch(() => problems.push(`${where}: read model does not follow (live ${check.status})`));
        // One webhook event per transition; a redelivery carries the same content.
        const ids = check.timeline.map((_: unknown, i: number) => `${t.checkId}.${i + 1}`);
        await eventually(() => (ids.every((id: string) => h.webhooks.events.some((e) => e.id === id)) ? true : undefined), 60_000, 'webhooks').catch(() =>
          problems.push(`${where}: webhooks missing for ${ids.filter((id: string) => !h.webhooks.events.some((e) => e.id === id)).join(', ')}`),
        );
        const events = h.webhooks.forOrder(t.orderId);
        const content = new Map<string, string>();
        for (const e of events) {
          const data = JSON.stringify({ type: e.type, createdAt: e.createdAt, data: e.data });
          if (content.has(e.id) && content.get(e.id) !== data) problems.push(`${where}: event ${e.id} delivered with different content`);
          content.set(e.id, data);
        }
        const extra = [...content.keys()].filter((id) => !ids.includes(id));
        if (extra.length) problems.push(`${where}: webhook events for no transition: ${extra.join(', ')}`);
        // The audit chain verifies and records each transition once.
        await eventually(async () => {
          const audit = (await persist(`audit ${t.checkId}`, () => attempt('GET', `/v1/review/cases/${t.checkId}/audit`, { token }))).reply.body;
          const transitions = audit.entries.filter((e: { action: string }) => e.action === 'status.changed').length;
          if (transitions > check.timeline.length) {
            problems.push(`${where}: ${transitions} audit entries for ${check.timeline.length} transitions`);
            return true;
          }
          if (!audit.verification.valid) {
            problems.push(`${where}: audit chain broken at ${audit.verification.brokenAt}`);
            return true;
          }
          return transitions === check.timeline.length ? true : undefined;
        }, 60_000, 'audit').catch(() => problems.push(`${where}: audit misses transitions`));
        // Documents: every one the check holds has its record and blob, and no record is left that it does not hold.
        const view = (await reviewCase(token, t.checkId)).body;
        const held = new Set<string>(view.documents.map((d: { documentId: string }) => d.documentId));
        for (const d of view.documents) {
          if (d.contentType === null) problems.push(`${where}: document ${d.documentId} held by the check has no record`);
          if (d.status === 'processing') problems.push(`${where}: document ${d.documentId} still processing`);
        }
        for (const id of t.landed) if (!held.has(id)) problems.push(`${where}: upload ${id} answered 202 but the check does not hold it`);
        const stored = await db.collection('documents').find({ checkId: t.checkId }, { projection: { _id: 1, status: 1 } }).toArray();
        for (const d of stored) {
          if (!held.has(String(d._id))) problems.push(`${where}: half-written upload: document record ${String(d._id)} (${d.status}) that the check does not hold`);
        }
        // A refused upload may have landed whole after all (its answer was lost, not the upload); a
        // resent file is the same upload, so one photo is never held twice.
        if (held.size > t.landed.length + t.refused) problems.push(`${where}: ${held.size} documents for ${t.landed.length} uploads answered 202 and ${t.refused} refused`);
        const sizes = view.documents.map((d: { size: number }) => d.size);
        if (new Set(sizes).size < sizes.length) problems.push(`${where}: the same file held twice (sizes ${sizes.join(', ')})`);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    });

    // Blobs without a document record: an upload cut off between storing and recording (the blob
    // store is files under BLOB_DIR, DATA_DIR/blobs here; older documents are in GridFS).
    const owners = new Set((await db.collection('documents').find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)));
    const blobDir = path.join(h.dataDir, 'blobs');
    for (const documentId of existsSync(blobDir) ? readdirSync(blobDir) : []) {
      if (!owners.has(documentId)) problems.push(`half-written upload: blobs of ${documentId} without a document record`);
    }
    const files = await db.collection('documents.files').find({}, { projection: { filename: 1 } }).toArray();
    for (const f of files) {
      const documentId = String(f.filename).split('/')[0];
      if (!owners.has(documentId)) problems.push(`half-written upload: blob ${f.filename} without a document record`);
    }
    expect(problems, `${problems.length} problems`).to.deep.equal([]);
  }

  // ---- the victims -----------------------------------------------------------
  const server = (name: 'temporal' | 'ferretdb' | 'postgres'): VictimHandles => ({
    kill: () => h.stack.servers[name]!.kill('SIGKILL'),
    restart: () => h.stack.servers[name]!.restart(),
    pid: () => h.stack.servers[name]!.pid,
  });

  const victims: [Victim, () => VictimHandles][] = [
    ['API', () => ({ kill: () => h.api.stop('SIGKILL'), restart: () => h.restartApi(), pid: () => h.api.pid })],
    ['checks worker', () => ({ kill: () => h.worker.stop('SIGKILL'), restart: () => h.restartWorker(), pid: () => h.worker.pid })],
    ['documents worker', () => ({ kill: () => h.documentsWorker.stop('SIGKILL'), restart: () => h.restartDocumentsWorker(), pid: () => h.documentsWorker.pid })],
    ['Temporal', () => server('temporal')],
    ['FerretDB', () => server('ferretdb')],
    ['PostgreSQL', () => server('postgres')],
  ];

  for (const [victim, handles] of victims) {
    it(`kill -9 of ${victim}: none lost, none doubled, each continues; uploads in flight land once or are refused`, async () => {
      await round(victim, handles());
    });
  }
});

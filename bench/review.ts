/**
 * `npm run bench:review`: the reviewers' side with a realistically full read model.
 *
 * 1. Seeds BENCH_CHECKS (default 100 000) checks DIRECTLY into the read model
 *    (`checks`, `insertMany` in batches of BENCH_SEED_BATCH = 1000; see bench/seed.ts):
 *    ~98 % final, ~2 % open — there are no workflows behind these records.
 * 2. Creates BENCH_CASES (default 200) real `in_review` cases through `POST /v1/checks`,
 *    so opening a case, claiming and deciding go through the real workflow.
 * 3. Measures `GET /v1/review/cases?status=in_review&limit=50` (first page, sequential and
 *    one request per reviewer at once; a deep page reached by following
 *    BENCH_DEEP_PAGES = 20 cursors), `GET /v1/review/cases/<checkId>` (real open cases and
 *    seeded closed ones), and claim + approve for every real case at BENCH_REVIEWERS
 *    (default 8) concurrent reviewers with different `sub`s: latency and decisions/s.
 *
 * Env: BENCH_CHECKS, BENCH_SEED_BATCH, BENCH_SEED_PARALLEL (batches in flight, default 2), BENCH_CASES, BENCH_REVIEWERS, BENCH_QUEUE_RUNS (default 10: each queue request reads every open case),
 * BENCH_DEEP_PAGES. Always starts its own stack (it writes into the database directly).
 */
import os from 'node:os';
import mongoose from 'mongoose';
import { benchTarget, load, summary } from './lib';
import { seedChecks, seededCheckId } from './seed';
import { reviewOrder } from '../test/fixtures/orders';
import { signReviewerToken } from '../api/reviewerAuth';

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface QueuePage {
  items: { checkId: string; status: string; band: string }[];
  nextCursor: string | null;
  counts: Record<string, number>;
}

async function main(): Promise<void> {
  const total = num('BENCH_CHECKS', 100_000);
  const batch = num('BENCH_SEED_BATCH', 1000);
  const seedParallel = num('BENCH_SEED_PARALLEL', 2);
  const cases = num('BENCH_CASES', 200);
  const reviewers = num('BENCH_REVIEWERS', 8);
  const queueRuns = num('BENCH_QUEUE_RUNS', 10);
  const deepPages = num('BENCH_DEEP_PAGES', 20);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const loadStart = loadavg();

  if (process.env.BENCH_URL) log('bench:review always starts its own stack (it seeds the database directly); BENCH_URL is ignored');
  delete process.env.BENCH_URL;
  log('starting the embedded stack, a worker and the API ...');
  const target = await benchTarget();
  const db = await mongoose.createConnection(target.env.MONGODB_URI!).asPromise();
  const out: string[] = [];
  try {
    // --- 1. seed the read model -------------------------------------------------------------
    log(`seeding ${total} checks into the read model ...`);
    const seedStarted = performance.now();
    let lastReport = 0;
    const counts = await seedChecks(db.db!, { total }, {
      batchSize: batch,
      parallel: seedParallel,
      onBatch: (n) => {
        if (n - lastReport >= 10_000 || n === total) {
          lastReport = n;
          log(`  ${n} inserted (${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`);
        }
      },
    });
    const seedMs = performance.now() - seedStarted;

    // --- 2. real cases through the API ------------------------------------------------------
    log(`creating ${cases} in_review cases through POST /v1/checks ...`);
    const checkIds: string[] = [];
    const created = await load(cases, 8, async () => {
      const response = await fetch(`${target.baseUrl}/v1/checks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.serviceKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(reviewOrder()),
      });
      const body = (await response.json()) as { status?: string; checkId?: string };
      if (response.status !== 201 || body.status !== 'in_review') throw new Error(`unexpected answer ${response.status} ${JSON.stringify(body)}`);
      checkIds.push(body.checkId!);
    });
    log(`  ${summary('POST /v1/checks', created.latencies)}`);

    const secret = target.env.REVIEWER_JWT_SECRET!;
    const tokens = await Promise.all(
      Array.from({ length: reviewers }, (_, r) => signReviewerToken(secret, { sub: `rev_bench_${r}`, role: 'reviewer', expiresIn: '1h' })),
    );
    const request = async <T>(method: string, path: string, token: string, json?: unknown): Promise<T> => {
      const response = await fetch(`${target.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
        body: json ? JSON.stringify(json) : undefined,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    };
    const queue = (token: string, cursor?: string) =>
      request<QueuePage>('GET', `/v1/review/cases?status=in_review&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);

    // --- 3a. the queue ----------------------------------------------------------------------
    log('measuring the queue ...');
    await queue(tokens[0]); // warm-up
    const first = await queue(tokens[0]);
    if (first.items.length !== 50) throw new Error(`first page has ${first.items.length} items`);
    const firstSeq = await load(queueRuns, 1, async () => void (await queue(tokens[0])));
    log(`  ${summary('first page, sequential', firstSeq.latencies)}`);
    const firstConc = await load(reviewers, reviewers, async (i) => void (await queue(tokens[i % reviewers])));
    log(`  ${summary('first page, concurrent', firstConc.latencies)}`);

    // Follow the cursors: each page costs what the first does (the whole open set is loaded and sorted per request).
    const walk: number[] = [];
    let cursor: string | undefined;
    let pagesWalked = 0;
    for (; pagesWalked < deepPages; pagesWalked++) {
      const t0 = performance.now();
      const page = await queue(tokens[0], cursor);
      walk.push(performance.now() - t0);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    if (!cursor) throw new Error('the queue has fewer than two pages');
    const deepCursor = cursor;
    const deep = await queue(tokens[0], deepCursor);
    const deepSeq = await load(queueRuns, 1, async () => void (await queue(tokens[0], deepCursor)));
    log(`  ${summary('deep page', deepSeq.latencies)}`);
    // Where the time goes: the same three reads the queue makes (app/reviewQueue.ts), from here.
    const projection = { orderId: 1, status: 1, band: 1, score: 1, amount: 1, currency: 1, createdAt: 1, updatedAt: 1, slaDueAt: 1, assignee: 1, leaseExpiresAt: 1, documentCount: 1, flags: 1 };
    let openDocs = 0;
    const reads = await load(3, 1, async () => {
      const found = await Promise.all(
        ['in_review', 'escalated', 'awaiting_documents'].map((status) => db.collection('checks').find({ status }, { projection }).toArray()),
      );
      openDocs = found.reduce((n, docs) => n + docs.length, 0);
    });

    // --- 3b. opening a case -----------------------------------------------------------------
    log('opening cases ...');
    for (const id of checkIds.slice(0, 5)) await request('GET', `/v1/review/cases/${id}`, tokens[0]); // warm-up
    const openReal = await load(checkIds.length, 1, async (i) => {
      const c = await request<{ status: string; order: unknown }>('GET', `/v1/review/cases/${checkIds[i]}`, tokens[i % reviewers]);
      if (c.status !== 'in_review' || !c.order) throw new Error(`case ${checkIds[i]} is ${c.status}`);
    });
    const closedSamples = Math.min(50, total);
    const openSeeded = await load(closedSamples, 1, async (i) => {
      const id = seededCheckId(Math.floor((i * total) / closedSamples));
      await request('GET', `/v1/review/cases/${id}`, tokens[0]);
    });

    // --- 3c. claim + approve ----------------------------------------------------------------
    log(`claim + approve of ${checkIds.length} cases by ${reviewers} concurrent reviewers ...`);
    const claims: number[] = [];
    const decisions: number[] = [];
    const both: number[] = [];
    let next = 0;
    const decideStarted = performance.now();
    await Promise.all(
      tokens.map(async (token) => {
        for (;;) {
          const i = next++;
          if (i >= checkIds.length) return;
          const id = checkIds[i];
          const t0 = performance.now();
          await request('POST', `/v1/review/cases/${id}/claim`, token, {});
          const t1 = performance.now();
          const after = await request<{ status: string }>('POST', `/v1/review/cases/${id}/decision`, token, { action: 'approve', reason: 'bench: order and customer check out' });
          const t2 = performance.now();
          if (after.status !== 'approved') throw new Error(`case ${id} is ${after.status} after approval`);
          claims.push(t1 - t0);
          decisions.push(t2 - t1);
          both.push(t2 - t0);
        }
      }),
    );
    const decideMs = performance.now() - decideStarted;
    // The read model is projected after the workflow answers: how long until the queue stops showing them.
    const projected = await (async () => {
      // One lookup per id (an indexed equality: FerretDB serves `$in`/`$ne` by scanning the collection).
      let left = [...checkIds];
      const deadline = Date.now() + 60_000;
      for (;;) {
        const statuses = await Promise.all(left.map((id) => db.collection('checks').findOne({ _id: id } as never, { projection: { status: 1 } })));
        left = left.filter((_, i) => statuses[i]?.status !== 'approved');
        if (left.length === 0) return performance.now() - decideStarted - decideMs;
        if (Date.now() > deadline) return NaN;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const fmt = (n: number) => n.toLocaleString('en-US');
    const open = (counts.in_review ?? 0) + (counts.escalated ?? 0) + (counts.awaiting_documents ?? 0);
    out.push(
      '',
      `Reviewer API with ${fmt(total)} checks in the read model (${new Date().toISOString()}, ${process.platform} ${os.cpus().length} cores)`,
      `load average at start ${loadStart}, at end ${loadavg()} (other processes on this machine skew the figures)`,
      '',
      `seeding: ${fmt(total)} synthetic checks inserted DIRECTLY into the read model (insertMany, batches of ${batch}, ${seedParallel} in flight; no workflows behind them)`,
      `  ${(seedMs / 1000).toFixed(1)} s, ${fmt(Math.round(total / (seedMs / 1000)))} checks/s`,
      `  final: ${['approved', 'rejected', 'expired', 'cancelled'].map((s) => `${s} ${fmt(counts[s] ?? 0)}`).join(', ')}`,
      `  open:  ${['in_review', 'escalated', 'awaiting_documents'].map((s) => `${s} ${fmt(counts[s] ?? 0)}`).join(', ')} (${fmt(open)})`,
      `  + ${cases} real in_review cases through POST /v1/checks (8 clients): ${(cases / (created.wallMs / 1000)).toFixed(1)} checks/s`,
      `  queue counts the API reports: ${Object.entries(first.counts).map(([s, n]) => `${s} ${fmt(n)}`).join(', ')}`,
      '',
      'GET /v1/review/cases?status=in_review&limit=50  (with n < 100, p99 is the slowest sample)',
      summary('first page, sequential', firstSeq.latencies),
      summary(`first page, ${reviewers} reviewers at once`, firstConc.latencies),
      `${''.padEnd(34)} ${(firstConc.latencies.length / (firstConc.wallMs / 1000)).toFixed(2)} queue pages/s`,
      summary('  its 3 find({status}) reads alone', reads.latencies),
      `${''.padEnd(34)} (${fmt(openDocs)} open cases read per request, straight from FerretDB; the rest is the API)`,
      summary(`walking pages 1-${walk.length} by cursor`, walk),
      summary(`deep page (${walk.length + 1}: after ${walk.length} cursors)`, deepSeq.latencies),
      `${''.padEnd(34)} deep page holds ${deep.items.length} items, next cursor ${deep.nextCursor ? 'present' : 'none'}`,
      '',
      'GET /v1/review/cases/<checkId>',
      summary('real open case (workflow query)', openReal.latencies),
      summary('seeded closed case (read model)', openSeeded.latencies),
      '',
      `claim + approve, ${reviewers} concurrent reviewers (different subs), ${checkIds.length} cases`,
      summary('POST .../claim', claims),
      summary('POST .../decision (approve)', decisions),
      summary('claim + decision', both),
      `${'throughput'.padEnd(34)} ${(checkIds.length / (decideMs / 1000)).toFixed(1)} decisions/s over ${(decideMs / 1000).toFixed(1)} s`,
      `${'read model caught up'.padEnd(34)} ${Number.isNaN(projected) ? 'NOT within 60 s' : `${projected.toFixed(0)} ms after the last decision answered`}`,
      '',
    );
    process.stdout.write(out.join('\n'));
  } finally {
    await db.close();
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

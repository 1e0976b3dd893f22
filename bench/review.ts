/**
 * `npm run bench:review`: the reviewers' side with a realistically full read model.
 *
 * 1. Creates BENCH_REAL_OPEN (default 2 000) real open checks through `POST /v1/checks`
 *    (16 clients; three in four `in_review`, one in four `awaiting_documents`, about the
 *    seeded mix): open workflows the worker keeps in its cache (2 000), so the worker's
 *    memory is read with 2 000 cached workflows; claiming and deciding go through them.
 * 2. Seeds the rest DIRECTLY into the read model (`checks` + `queue`, `insertMany` in batches
 *    of BENCH_SEED_BATCH = 1000; see bench/seed.ts) up to BENCH_CHECKS (default 100 000) stored
 *    checks and BENCH_OPEN (default 2 000) open ones — no workflows behind these records.
 * 3. Measures `GET /v1/review/cases?status=in_review&limit=50` (first page, BENCH_QUEUE_RUNS = 50
 *    sequential, and one request per reviewer at once; a deep page reached by following
 *    BENCH_DEEP_PAGES = 20 cursors), `GET /v1/review/cases/<checkId>` (real open cases and
 *    seeded closed ones), and claim + approve of BENCH_DECISIONS (default 200) real cases at
 *    BENCH_REVIEWERS (default 8) concurrent reviewers with different `sub`s: latency and
 *    decisions/s. The API's and the worker's resident memory are sampled throughout.
 * 4. The floor of claim + decision (bench/floor/review.ts): as many open no-op workflows in the floor
 *    worker, each sent two updates by BENCH_REVIEWERS callers, straight to Temporal
 *    (BENCH_FLOOR_REVIEW=0 skips it).
 * 5. The floor of the worker's memory (bench/floor/memory.ts): the floor worker with as many open
 *    no-op workflows (BENCH_FLOOR_MEMORY=0 skips it). SERVICE_FROM_DIST=1 runs the API and the
 *    workers from the production build (`npm run build` first), as the image runs them.
 *
 * Prints p50/p95/p99 of each measurement, the CPU per decided case by process and the history a
 * case leaves (`--cpu-profile`: also where the worker's and the API's CPU goes, from V8 profiles of
 * the claim + approve phase), the targets of issue 12, and last one JSON line.
 * Env: BENCH_CHECKS, BENCH_OPEN, BENCH_REAL_OPEN, BENCH_DECISIONS, BENCH_SEED_BATCH,
 * BENCH_SEED_PARALLEL (batches in flight, default 2), BENCH_REVIEWERS, BENCH_QUEUE_RUNS,
 * BENCH_DEEP_PAGES. Always starts its own stack (it writes into the database directly).
 */
import mongoose from 'mongoose';
import { benchTarget, load, loadavg, machine, percentiles, round, sleep, summary, type Percentiles } from './lib';
import { Client, Connection } from '@temporalio/client';
import { cpuDelta, cpuSnapshot, memoryOf, perUnit } from './profile/cpu';
import { anatomy } from './profile/history';
import { monotonicUs, summarizeCpuProfiles, topCategoryLines } from './profile/cpuProfile';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowIdFor } from '../workflows/names';
import { floorWorkerMemory, type FloorMemory } from './floor/memory';
import { floorReview, type FloorReview } from './floor/review';
import { seedChecks, seededCheckId } from './seed';
import { reviewOrder, suspiciousOrder } from '../test/fixtures/orders';
import { signReviewerToken } from '../api/reviewerAuth';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface QueuePage {
  items: { checkId: string; status: string; band: string }[];
  nextCursor: string | null;
  counts: Record<string, number>;
}

async function main(): Promise<void> {
  const total = num('BENCH_CHECKS', 100_000);
  const openTotal = num('BENCH_OPEN', 2000);
  const realOpen = Math.min(num('BENCH_REAL_OPEN', 2000), openTotal, total);
  const decisionsWanted = Math.min(num('BENCH_DECISIONS', 200), Math.floor((realOpen * 3) / 4));
  const batch = num('BENCH_SEED_BATCH', 1000);
  const seedParallel = num('BENCH_SEED_PARALLEL', 2);
  const reviewers = num('BENCH_REVIEWERS', 8);
  const queueRuns = num('BENCH_QUEUE_RUNS', 50);
  const deepPages = num('BENCH_DEEP_PAGES', 20);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const loadStart = loadavg();

  // --cpu-profile: V8 profiles of the worker and the API (every service started with --cpu-prof), cut to the claim + approve phase.
  const profileDir = process.argv.includes('--cpu-profile') ? mkdtempSync(path.join(os.tmpdir(), 'bench-review-cpuprof-')) : undefined;
  if (profileDir) process.env.SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  if (process.env.BENCH_URL) log('bench:review always starts its own stack (it seeds the database directly); BENCH_URL is ignored');
  log('starting the embedded stack, a worker and the API ...');
  const target = await benchTarget({}, { allowRemote: false });
  const db = await mongoose.createConnection(target.env.MONGODB_URI!).asPromise();
  const pids = { api: target.services.get('api')!.pid, worker: target.services.get('worker')!.pid };
  const atStart = { api: memoryOf(pids.api), worker: memoryOf(pids.worker) };
  const peak = { api: 0, worker: 0 };
  const sampler = setInterval(() => {
    try {
      peak.api = Math.max(peak.api, memoryOf(pids.api).rss);
      peak.worker = Math.max(peak.worker, memoryOf(pids.worker).rss);
    } catch {
      // a process went away: the requests fail and say so
    }
  }, 100);
  const out: string[] = [];
  try {
    // --- 1. real open cases through the API: open workflows in the worker's cache -----------
    log(`creating ${realOpen} open checks through POST /v1/checks (16 clients) ...`);
    const checkIds: string[] = []; // the in_review ones
    const created = await load(realOpen, 16, async (i) => {
      const review = i % 4 !== 3;
      // (each from its own IP: one shared IP would soon count as a velocity signal)
      const order = JSON.stringify(review ? reviewOrder() : suspiciousOrder({ device: { ip: `198.51.${(i >> 8) & 255}.${i & 255}`, ipCountry: 'US', fingerprint: `dev_bench_${i}` } }));
      const send = () =>
        fetch(`${target.baseUrl}/v1/checks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.serviceKey}`, 'content-type': 'application/json' },
          body: order,
        });
      // A 503 (no decision within 15 s on a saturated machine) is retried with the same request, as the contract says.
      let response = await send();
      for (let retry = 0; response.status === 503 && retry < 3; retry++) {
        await response.arrayBuffer();
        response = await send();
      }
      const body = (await response.json()) as { status?: string; checkId?: string };
      const expected = review ? 'in_review' : 'awaiting_documents';
      if ((response.status !== 201 && response.status !== 200) || body.status !== expected) throw new Error(`unexpected answer ${response.status} ${JSON.stringify(body)}`);
      if (review) checkIds.push(body.checkId!);
    });
    log(`  ${summary('POST /v1/checks', created.latencies)}`);
    await sleep(2000);
    const workerWithCache = memoryOf(pids.worker);
    const apiAfterCreate = memoryOf(pids.api);

    // --- 2. seed the rest of the read model -----------------------------------------------------
    const seedTotal = total - realOpen;
    const seedOpen = openTotal - realOpen;
    log(`seeding ${seedTotal} checks (${seedOpen} open) into the read model ...`);
    const seedStarted = performance.now();
    let lastReport = 0;
    const counts = await seedChecks(db.db!, { total: seedTotal, open: seedOpen }, {
      batchSize: batch,
      parallel: seedParallel,
      onBatch: (n) => {
        if (n - lastReport >= 10_000 || n === seedTotal) {
          lastReport = n;
          log(`  ${n} inserted (${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`);
        }
      },
    });
    const seedMs = performance.now() - seedStarted;

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
    const firstConc = await load(reviewers * 5, reviewers, async (i) => void (await queue(tokens[i % reviewers])));
    log(`  ${summary('first page, concurrent', firstConc.latencies)}`);

    // Follow the cursors.
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
    const deepSeq = await load(Math.min(queueRuns, 20), 1, async () => void (await queue(tokens[0], deepCursor)));
    log(`  ${summary('deep page', deepSeq.latencies)}`);
    // Where the time goes: the open set read straight from FerretDB (what a queue that loads every open case reads).
    const projection = { orderId: 1, status: 1, band: 1, score: 1, amount: 1, currency: 1, createdAt: 1, updatedAt: 1, slaDueAt: 1, assignee: 1, leaseExpiresAt: 1, documentCount: 1, flags: 1 };
    let openDocs = 0;
    const reads = await load(3, 1, async () => {
      const found = await Promise.all(
        ['in_review', 'escalated', 'awaiting_documents'].map((status) => db.collection('queue').find({ status }, { projection }).toArray()),
      );
      openDocs = found.reduce((n, docs) => n + docs.length, 0);
    });

    // --- 3b. opening a case -----------------------------------------------------------------
    log('opening cases ...');
    for (const id of checkIds.slice(0, 5)) await request('GET', `/v1/review/cases/${id}`, tokens[0]); // warm-up
    const openSamples = Math.min(checkIds.length, 100);
    const openReal = await load(openSamples, 1, async (i) => {
      const c = await request<{ status: string; order: unknown }>('GET', `/v1/review/cases/${checkIds[i]}`, tokens[i % reviewers]);
      if (c.status !== 'in_review' || !c.order) throw new Error(`case ${checkIds[i]} is ${c.status}`);
    });
    const closedSamples = Math.min(50, seedTotal);
    const openSeeded = await load(closedSamples, 1, async (i) => {
      const id = seededCheckId(Math.floor((i * seedTotal) / closedSamples));
      await request('GET', `/v1/review/cases/${id}`, tokens[0]);
    });

    // --- 3c. claim + approve ----------------------------------------------------------------
    const deciding = checkIds.slice(0, decisionsWanted);
    log(`claim + approve of ${deciding.length} cases by ${reviewers} concurrent reviewers ...`);
    const claims: number[] = [];
    const decisions: number[] = [];
    const both: number[] = [];
    let next = 0;
    const cpuBefore = cpuSnapshot();
    const profileWindow = { startUs: monotonicUs(), endUs: 0 };
    const decideStarted = performance.now();
    await Promise.all(
      tokens.map(async (token) => {
        for (;;) {
          const i = next++;
          if (i >= deciding.length) return;
          const id = deciding[i];
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
    profileWindow.endUs = monotonicUs();
    // Where the CPU of a case goes (claim + approve), by process, and what a case leaves in its history.
    const cpu = cpuDelta(cpuBefore, cpuSnapshot());
    const cpuPerCase = perUnit(cpu.byRole, deciding.length);
    const history = await (async () => {
      const connection = await Connection.connect({ address: target.env.TEMPORAL_ADDRESS! });
      try {
        const orderId = (await db.collection('checks').findOne({ _id: deciding[0] } as never, { projection: { orderId: 1 } }))?.orderId as string;
        return await anatomy(new Client({ connection }), workflowIdFor(orderId));
      } finally {
        await connection.close();
      }
    })();
    const decisionsPerSecond = deciding.length / (decideMs / 1000);
    // The read model is projected after the workflow answers: how long until it shows them.
    const projected = await (async () => {
      let left = [...deciding];
      const deadline = Date.now() + 60_000;
      for (;;) {
        const statuses = await Promise.all(left.map((id) => db.collection('checks').findOne({ _id: id } as never, { projection: { status: 1 } })));
        left = left.filter((_, i) => statuses[i]?.status !== 'approved');
        if (left.length === 0) return performance.now() - decideStarted - decideMs;
        if (Date.now() > deadline) return NaN;
        await sleep(50);
      }
    })();
    clearInterval(sampler);
    const apiEnd = memoryOf(pids.api);
    const workerEnd = memoryOf(pids.worker);
    const apiPeak = Math.max(peak.api, apiEnd.hwm);
    const workerPeak = Math.max(peak.worker, workerEnd.hwm);
    // --- 4. the floor of claim + decision: two updates of an open no-op workflow, as many cases, as many callers ---
    let floorCases: FloorReview | undefined;
    if (process.env.BENCH_FLOOR_REVIEW !== '0') {
      log(`the floor of claim + decision: ${deciding.length} open no-op workflows, two updates each, ${reviewers} callers (bench/floor) ...`);
      floorCases = await floorReview(target, deciding.length, reviewers);
    }
    // --- 5. the floor of the worker's memory: the SDK's own cost of as many cached workflows ------
    let floorMemory: FloorMemory | undefined;
    if (process.env.BENCH_FLOOR_MEMORY !== '0') {
      log(`the floor worker with ${realOpen} open no-op workflows (bench/floor) ...`);
      floorMemory = await floorWorkerMemory(target, realOpen);
    }

    // The profiles are written when the processes exit.
    let profileLines: string[] = [];
    if (profileDir) {
      await target.services.get('worker')!.stop();
      await target.services.get('api')!.stop();
      profileLines = (['worker', 'api'] as const).flatMap((name) => {
        const summary = summarizeCpuProfiles(profileDir, profileWindow, pids[name]);
        return [
          `${name}: ${(summary.totalMs / deciding.length).toFixed(1)} ms per case in V8 samples (every thread), by what ran:`,
          ...topCategoryLines(summary, deciding.length, 15),
        ];
      });
      rmSync(profileDir, { recursive: true, force: true });
    }

    const fmt = (n: number) => n.toLocaleString('en-US');
    const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
    const open = (counts.in_review ?? 0) + (counts.escalated ?? 0) + (counts.awaiting_documents ?? 0) + realOpen;
    const queueP = percentiles(firstSeq.latencies);
    const claimDecision = percentiles(both);
    const targets = { queueFirstPageP99Ms: 20, claimDecisionP50Ms: 100, decisionsPerSecond: 40, workerRssMb: 400, apiPeakRssMb: 200 };
    const met = {
      queueFirstPageP99: queueP.p99 <= targets.queueFirstPageP99Ms,
      claimDecisionP50: claimDecision.p50 <= targets.claimDecisionP50Ms,
      decisionsPerSecond: decisionsPerSecond >= targets.decisionsPerSecond,
      workerRss: workerWithCache.rss / 1048576 <= targets.workerRssMb,
      apiPeakRss: apiPeak / 1048576 <= targets.apiPeakRssMb,
    };
    const yes = (b: boolean) => (b ? 'yes' : 'NO');
    out.push(
      '',
      `Reviewer API with ${fmt(total)} checks stored, ${fmt(open)} open (${new Date().toISOString()}; ${machine()})`,
      `load average at start ${loadStart}, at end ${loadavg()} (other processes on this machine skew the figures)`,
      '',
      `real open checks: ${fmt(realOpen)} through POST /v1/checks (16 clients; ${fmt(checkIds.length)} in_review, ${fmt(realOpen - checkIds.length)} awaiting_documents): ${(realOpen / (created.wallMs / 1000)).toFixed(1)} checks/s`,
      `  ${summary('POST /v1/checks (16 clients)', created.latencies)}`,
      `seeding: ${fmt(seedTotal)} synthetic checks (${fmt(seedOpen)} open) inserted DIRECTLY into the read model (insertMany, batches of ${batch}, ${seedParallel} in flight; no workflows behind them)`,
      `  ${(seedMs / 1000).toFixed(1)} s, ${fmt(Math.round(seedTotal / (seedMs / 1000)))} checks/s`,
      `  final: ${['approved', 'rejected', 'expired', 'cancelled'].map((s) => `${s} ${fmt(counts[s] ?? 0)}`).join(', ')}`,
      `  open:  ${['in_review', 'escalated', 'awaiting_documents'].map((s) => `${s} ${fmt(counts[s] ?? 0)}`).join(', ')} seeded + ${fmt(realOpen)} real`,
      `  queue counts the API reports: ${Object.entries(first.counts).map(([s, n]) => `${s} ${fmt(n)}`).join(', ')}`,
      '',
      'GET /v1/review/cases?status=in_review&limit=50',
      summary('first page, sequential', firstSeq.latencies),
      summary(`first page, ${reviewers} reviewers at once`, firstConc.latencies),
      `${''.padEnd(34)} ${(firstConc.latencies.length / (firstConc.wallMs / 1000)).toFixed(2)} queue pages/s`,
      summary('  3 find({status}) on queue, direct', reads.latencies),
      `${''.padEnd(34)} (${fmt(openDocs)} open entries read per request straight from FerretDB, for scale)`,
      summary(`walking pages 1-${walk.length} by cursor`, walk),
      summary(`deep page (${walk.length + 1}: after ${walk.length} cursors)`, deepSeq.latencies),
      `${''.padEnd(34)} deep page holds ${deep.items.length} items, next cursor ${deep.nextCursor ? 'present' : 'none'}`,
      '',
      'GET /v1/review/cases/<checkId>',
      summary('real open case (workflow query)', openReal.latencies),
      summary('seeded closed case (read model)', openSeeded.latencies),
      '',
      `claim + approve, ${reviewers} concurrent reviewers (different subs), ${deciding.length} cases`,
      summary('POST .../claim', claims),
      summary('POST .../decision (approve)', decisions),
      summary('claim + decision', both),
      `${'throughput'.padEnd(34)} ${decisionsPerSecond.toFixed(1)} decisions/s over ${(decideMs / 1000).toFixed(1)} s`,
      `${'CPU per case (claim + approve)'.padEnd(34)} ${[...cpuPerCase].map(([r, ms]) => `${r} ${ms.toFixed(1)}`).join(', ')} ms; total ${[...cpuPerCase.values()].reduce((a, b) => a + b, 0).toFixed(1)} ms (machine busy ${(cpu.machineBusyMs / deciding.length).toFixed(1)} ms)`,
      ...(floorCases
        ? [
            summary('floor: the same at Temporal alone', floorCases.latencies),
            `${''.padEnd(34)} ${floorCases.casesPerSecond.toFixed(1)} cases/s; CPU per case ${[...floorCases.cpuMsPerCase].map(([r, ms]) => `${r} ${ms.toFixed(1)}`).join(', ')} ms`,
            `${''.padEnd(34)} (two updates of an open no-op workflow, each after a no-op local activity; no HTTP, no database)`,
            `${'vs the floor'.padEnd(34)} p50 ${(claimDecision.p50 / percentiles(floorCases.latencies).p50).toFixed(2)}×, throughput ${(decisionsPerSecond / floorCases.casesPerSecond).toFixed(2)}×`,
          ]
        : []),
      `${'history of a decided case'.padEnd(34)} ${history.total} events: ${[...history.events].map(([e, n]) => `${e} ${n}`).join(', ')}`,
      ...(profileLines.length ? ['', `Where the claim + approve phase's CPU goes (--cpu-profile; profiling itself slows the run)`, ...profileLines, ''] : []),
      `${'read model caught up'.padEnd(34)} ${Number.isNaN(projected) ? 'NOT within 60 s' : `${projected.toFixed(0)} ms after the last decision answered`}`,
      '',
      `Memory (MB)                         RSS at start   RSS with ${fmt(realOpen)} open workflows   peak RSS over the run`,
      `${`worker (pid ${pids.worker})`.padEnd(36)} ${mb(atStart.worker.rss).padStart(12)} ${mb(workerWithCache.rss).padStart(12)} ${mb(workerPeak).padStart(28)}`,
      ...(floorMemory
        ? [
            `${'floor worker (no-op workflows)'.padEnd(36)} ${mb(floorMemory.atStart).padStart(12)} ${mb(floorMemory.withCache).padStart(12)}`,
            `${''.padEnd(36)} per cached workflow: checks worker ${((workerWithCache.rss - atStart.worker.rss) / realOpen / 1024).toFixed(0)} kB, floor ${((floorMemory.withCache - floorMemory.atStart) / floorMemory.cached / 1024).toFixed(0)} kB`,
          ]
        : []),
      `${`API (pid ${pids.api})`.padEnd(36)} ${mb(atStart.api.rss).padStart(12)} ${mb(apiAfterCreate.rss).padStart(12)} ${mb(apiPeak).padStart(28)}`,
      `${''.padEnd(36)} (the worker caches up to 2 000 workflows; ${realOpen} open checks went through it)`,
      '',
      `Targets (issue 12): queue first page p99 ${queueP.p99.toFixed(1)} ms (≤ ${targets.queueFirstPageP99Ms}: ${yes(met.queueFirstPageP99)}), ` +
        `claim + decision p50 ${claimDecision.p50.toFixed(0)} ms (≤ ${targets.claimDecisionP50Ms}: ${yes(met.claimDecisionP50)}), ` +
        `${decisionsPerSecond.toFixed(1)} decisions/s (≥ ${targets.decisionsPerSecond}: ${yes(met.decisionsPerSecond)}), ` +
        `worker RSS ${mb(workerWithCache.rss)} MB with ${fmt(realOpen)} cached workflows (≤ ${targets.workerRssMb}: ${yes(met.workerRss)}), ` +
        `API peak ${mb(apiPeak)} MB (≤ ${targets.apiPeakRssMb}: ${yes(met.apiPeakRss)})`,
      '',
    );
    const p = (x: Percentiles) => ({ p50: round(x.p50), p95: round(x.p95), p99: round(x.p99), n: x.n });
    const json = {
      stored: total,
      open,
      queueFirstPage: p(queueP),
      queueFirstPageConcurrent: { ...p(percentiles(firstConc.latencies)), reviewers },
      openCase: p(percentiles(openReal.latencies)),
      claimDecision: {
        ...p(claimDecision),
        reviewers,
        decisionsPerSecond: round(decisionsPerSecond, 2),
        cpuMsPerCase: Object.fromEntries([...cpuPerCase].map(([r, ms]) => [r, round(ms, 1)])),
        historyEvents: history.total,
      },
      ...(floorCases
        ? {
            claimDecisionFloor: {
              ...p(percentiles(floorCases.latencies)),
              clients: reviewers,
              casesPerSecond: round(floorCases.casesPerSecond, 2),
              cpuMsPerCase: Object.fromEntries([...floorCases.cpuMsPerCase].map(([r, ms]) => [r, round(ms, 1)])),
            },
          }
        : {}),
      workerRssMb: { atStart: round(atStart.worker.rss / 1048576, 0), cachedWorkflows: realOpen, rss: round(workerWithCache.rss / 1048576, 0), peak: round(workerPeak / 1048576, 0) },
      ...(floorMemory ? { floorWorkerRssMb: { atStart: round(floorMemory.atStart / 1048576, 0), cachedWorkflows: floorMemory.cached, rss: round(floorMemory.withCache / 1048576, 0) } } : {}),
      apiRssMb: { peak: round(apiPeak / 1048576, 0) },
      targets,
      met,
      loadavg: loadStart,
      at: new Date().toISOString(),
    };
    out.push(JSON.stringify(json), '');
    process.stdout.write(out.join('\n'));
  } finally {
    clearInterval(sampler);
    await db.close();
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

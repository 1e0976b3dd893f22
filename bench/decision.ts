/**
 * `npm run bench:decision`: the decision path against its floor, in one run.
 *
 * The floor (issue 12) is what Temporal itself costs for one check on this box: an
 * Update-with-Start of `floorWorkflow` (bench/floor) that runs one no-op local activity,
 * answers, and keeps a check's retention behaviour — on the same dev server, through a
 * client built as the API builds its own (lib/temporal.ts, the payload codec included),
 * against a worker process of its own. The checks are `POST /v1/checks` of clean orders
 * (HTTP → API → Update-with-Start → the decision activity → answer).
 *
 * Phases alternate (floor, checks, floor, checks …), each sequential then at BENCH_CLIENTS
 * concurrent clients; then the floor's variants: without the codec, with one `patched()` call
 * (as the check workflow makes), in a bundle with the check workflow's modules (each run
 * evaluates its bundle's modules), and with the other retention behaviour; and the checks with
 * the bench's PostgreSQL at synchronous_commit=on (a WAL flush wait per write, as before the embedded stack turned it off), set and reset here (sleep the retention period, or complete at once — a final check does
 * one or the other depending on the product's version; the main floor follows the checks,
 * found by looking at a warm-up check's workflow). p50/p99 are the sequential figures,
 * rps the concurrent ones, pooled over the rounds.
 *
 * Printed: each phase's p50/p95/p99; floor vs checks with ratios against the targets; CPU per
 * call per process (/proc); the anatomy of one call's history and where a sequential call's
 * time goes (from history event times); with --profile (or BENCH_PROFILE=1), the database
 * commands of one decision (a counting wire proxy in front of FerretDB) and PostgreSQL's
 * counters per decision; with --cpu-profile, where the worker's and the floor worker's CPU goes. Last line: one JSON object
 *   {"floor":{"p50","p99","rps"},"checks":{"p50","p99","rps"}, "ratio", "targets", "met", …}
 *
 * Env: BENCH_SEQUENTIAL (150), BENCH_CONCURRENT (500), BENCH_CLIENTS (16), BENCH_ROUNDS (2),
 * BENCH_WARMUP (60), BENCH_VARIANTS (plain,other,patch,modules,sync-commit: variants to run once; '' for none),
 * BENCH_IN_ROUNDS (variants to run in every round instead, for an A/B in the same conditions),
 * BENCH_FLOOR_RETENTION (auto | sleep | complete), BENCH_PROFILE (0), BENCH_PROFILE_CHECKS (100),
 * BENCH_CPU_PROFILE (0; or --cpu-profile: V8 profiles of the worker and the floor worker),
 * BENCH_CPU_PROFILE_CALLS (300).
 * Always starts its own stack: the floor must share the checks' server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Client as TemporalClient } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { benchTarget, load, loadavg, machine, percentiles, round, sleep, summary, type Percentiles, type Target } from './lib';
import { cleanOrder } from '../test/fixtures/orders';
import { loadConfig } from '../config';
import { connectTemporalClient } from '../lib/temporal';
import { floorTaskQueues, type FloorInput } from './floor/workflow';
import { callFloor } from './floor/call';
import { cpuDelta, cpuSnapshot, roles, type CpuDelta, type Role } from './profile/cpu';
import { anatomy, segmentNames, segmentsOf, wallClock, type Anatomy, type CallSample, type Segments } from './profile/history';
import { MongoCommandCounter, housekeeping } from './profile/mongoProxy';
import { pgDelta, pgStats, statsSettleMs } from './profile/pgStats';
import { ferretOpCosts } from './profile/ferretOps';
import { monotonicUs, summarizeCpuProfiles, type CpuProfileSummary } from './profile/cpuProfile';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (m: string) => process.stderr.write(`${m}\n`);

type Retention = FloorInput['retention'];
/** What a phase drives: the checks, or a floor with or without the codec and one retention behaviour. */
type Kind =
  | { type: 'checks'; syncCommit?: boolean }
  | { type: 'floor'; codec: boolean; retention: Retention; patched?: boolean; checkModules?: boolean };

/** Which kind each BENCH_VARIANTS name stands for. */
const variantKey: Record<string, (k: Kind) => boolean> = {
  plain: (k) => k.type === 'floor' && !k.codec,
  other: (k) => k.type === 'floor' && k.codec && !k.patched && !k.checkModules,
  patch: (k) => k.type === 'floor' && Boolean(k.patched),
  modules: (k) => k.type === 'floor' && Boolean(k.checkModules),
  'sync-commit': (k) => k.type === 'checks' && Boolean(k.syncCommit),
};

const kindLabel = (k: Kind) =>
  k.type === 'checks'
    ? `checks (POST /v1/checks${k.syncCommit ? '; PostgreSQL synchronous_commit=on' : ''})`
    : `floor (${k.codec ? 'codec' : 'no codec'}, ${k.retention === 'sleep' ? 'sleeps retention' : 'completes'}${k.patched ? ', patched()' : ''}${k.checkModules ? ', check modules' : ''})`;
const kindKey = (k: Kind) =>
  k.type === 'checks' ? `checks${k.syncCommit ? '-sync-commit' : ''}` : `floor-${k.codec ? 'codec' : 'plain'}-${k.retention}${k.patched ? '-patched' : ''}${k.checkModules ? '-modules' : ''}`;

interface Part {
  latencies: number[];
  wallMs: number;
  samples: CallSample[];
  cpu: CpuDelta;
}

interface Phase {
  round: number | 'variant';
  kind: Kind;
  sequential: Part;
  concurrent: Part;
}

type Call = () => Promise<string>; // resolves with the workflow id it drove

async function main(): Promise<void> {
  const sequential = num('BENCH_SEQUENTIAL', 150);
  const concurrent = num('BENCH_CONCURRENT', 500);
  const clients = num('BENCH_CLIENTS', 16);
  const rounds = num('BENCH_ROUNDS', 2);
  const warmup = num('BENCH_WARMUP', 60);
  const variants = (process.env.BENCH_VARIANTS ?? 'plain,other,patch,modules,sync-commit').split(',').map((v) => v.trim()).filter(Boolean);
  const inRoundVariants = (process.env.BENCH_IN_ROUNDS ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const profile = process.argv.includes('--profile') || process.env.BENCH_PROFILE === '1';
  const profileChecks = num('BENCH_PROFILE_CHECKS', 100);
  const cpuProfile = process.argv.includes('--cpu-profile') || process.env.BENCH_CPU_PROFILE === '1';
  const cpuProfileCalls = num('BENCH_CPU_PROFILE_CALLS', 300);
  const loadStart = loadavg();
  const runStarted = performance.now();

  log('starting the embedded stack, a worker, the API and the floor worker ...');
  const target = await benchTarget({}, { allowRemote: false });
  await target.restart('floor-worker');
  const config = loadConfig(target.env);
  // The floor's clients: one built as the API builds its own (codec included), one without the codec.
  const { client: codecClient, connection } = await connectTemporalClient(config);
  const plainClient = new Client({ connection, namespace: config.temporal.namespace });
  const out: string[] = [];
  let retriedAfter503 = 0;
  try {
    const checkCall: Call = async () => {
      const order = cleanOrder();
      const send = async () => {
        const response = await fetch(`${target.baseUrl}/v1/checks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.serviceKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(order),
        });
        return { status: response.status, body: (await response.json()) as { status?: string } };
      };
      // A 503 (no decision within 15 s on a saturated machine) is retried with the same request, as the contract says;
      // the call's latency includes it. The retry may find the check made (200).
      let answer = await send();
      for (let retry = 0; answer.status === 503 && retry < 3; retry++) {
        retriedAfter503++;
        answer = await send();
      }
      const { status, body } = answer;
      if ((status !== 201 && status !== 200) || body.status !== 'approved') throw new Error(`unexpected answer ${status} ${JSON.stringify(body)}`);
      return `fraud-check/${order.orderId}`;
    };
    const floorCall =
      ({ codec, retention, patched, checkModules }: Extract<Kind, { type: 'floor' }>): Call =>
      () =>
        callFloor(codec ? codecClient : plainClient, {
          taskQueue: checkModules ? floorTaskQueues.modules : codec ? floorTaskQueues.codec : floorTaskQueues.plain,
          idPrefix: 'bench-floor',
          retention,
          retentionMs: config.durations.retentionMs,
          patched,
        });
    const callFor = (k: Kind): Call => (k.type === 'checks' ? checkCall : floorCall(k));

    // --- warm-up, and which retention behaviour a check has ------------------------------------
    log(`warm-up: ${warmup} checks and ${warmup} floor calls of each kind (4 clients) ...`);
    let lastCheck = '';
    await load(warmup, 4, async () => void (lastCheck = await checkCall()));
    const checkRetention = await retentionOf(codecClient, lastCheck);
    const floorRetention: Retention = process.env.BENCH_FLOOR_RETENTION === 'sleep' || process.env.BENCH_FLOOR_RETENTION === 'complete' ? process.env.BENCH_FLOOR_RETENTION : checkRetention;
    const other: Retention = floorRetention === 'sleep' ? 'complete' : 'sleep';
    const mainFloor: Kind = { type: 'floor', codec: true, retention: floorRetention };
    const checks: Kind = { type: 'checks' };
    const variantKinds: Kind[] = [
      ...(variants.includes('plain') ? [{ type: 'floor', codec: false, retention: floorRetention } as Kind] : []),
      ...(variants.includes('other') ? [{ type: 'floor', codec: true, retention: other } as Kind] : []),
      ...(variants.includes('patch') ? [{ type: 'floor', codec: true, retention: floorRetention, patched: true } as Kind] : []),
      ...(variants.includes('modules') ? [{ type: 'floor', codec: true, retention: floorRetention, checkModules: true } as Kind] : []),
      ...(variants.includes('sync-commit') ? [{ type: 'checks', syncCommit: true } as Kind] : []),
    ];
    for (const k of [mainFloor, ...variantKinds]) if (k.type === 'floor') await load(warmup, 4, async () => void (await callFor(k)()));
    log(`a clean check's workflow ${checkRetention === 'sleep' ? 'sleeps its retention period' : 'completes'} after answering; the floor does the same${process.env.BENCH_FLOOR_RETENTION ? ' (BENCH_FLOOR_RETENTION)' : ''}`);

    // --- the phases ------------------------------------------------------------------------------
    const part = async (call: Call, total: number, concurrency: number): Promise<Part> => {
      const samples: CallSample[] = [];
      const before = cpuSnapshot();
      const run = await load(total, concurrency, async () => {
        const sentAt = wallClock();
        const workflowId = await call();
        samples.push({ workflowId, sentAt, answeredAt: wallClock() });
      });
      return { ...run, samples, cpu: cpuDelta(before, cpuSnapshot()) };
    };
    const phases: Phase[] = [];
    const runPhase = async (roundNo: Phase['round'], kind: Kind) => {
      if (kind.type === 'checks' && kind.syncCommit) await setSynchronousCommit(target.pgUrl!, 'on');
      try {
        await measurePhase(roundNo, kind);
      } finally {
        if (kind.type === 'checks' && kind.syncCommit) await setSynchronousCommit(target.pgUrl!, 'off');
      }
    };
    const measurePhase = async (roundNo: Phase['round'], kind: Kind) => {
      log(`${roundNo === 'variant' ? 'variant' : `round ${roundNo}/${rounds}`}: ${kindLabel(kind)}: ${sequential} sequential, ${concurrent} at ${clients} clients (load average ${loadavg()}) ...`);
      const seq = await part(callFor(kind), sequential, 1);
      const conc = await part(callFor(kind), concurrent, clients);
      const phase: Phase = { round: roundNo, kind, sequential: seq, concurrent: conc };
      phases.push(phase);
      log(`  ${summary('sequential', seq.latencies)}`);
      log(`  ${summary(`${clients} clients`, conc.latencies)}  ${rps(conc).toFixed(1)}/s`);
    };
    // Variants named in BENCH_IN_ROUNDS run in every round (an A/B in the same conditions), the others once after.
    const inRounds = (k: Kind) => inRoundVariants.some((v) => variantKey[v]?.(k));
    for (let r = 1; r <= rounds; r++) {
      await runPhase(r, mainFloor);
      await runPhase(r, checks);
      for (const k of variantKinds.filter(inRounds)) await runPhase(r, k);
    }
    for (const k of variantKinds.filter((k) => !inRounds(k))) await runPhase('variant', k);

    // --- where the time goes: histories --------------------------------------------------------
    log('reading histories ...');
    const lastOf = (k: Kind) => [...phases].reverse().find((p) => kindKey(p.kind) === kindKey(k))!;
    const anatomies = new Map<string, Anatomy>();
    for (const k of [checks, mainFloor, ...variantKinds]) {
      const p = lastOf(k);
      anatomies.set(kindKey(k), await anatomy(k.type === 'floor' && !k.codec ? plainClient : codecClient, p.sequential.samples[0].workflowId));
    }
    const segmentsFor = async (k: Kind) => segmentsOf(k.type === 'floor' && !k.codec ? plainClient : codecClient, phases.filter((p) => kindKey(p.kind) === kindKey(k)).flatMap((p) => p.sequential.samples));
    const segmentColumns: [string, Segments[]][] = [
      ['check', await segmentsFor(checks)],
      ['floor', await segmentsFor(mainFloor)],
      ...(await Promise.all(variantKinds.filter((k) => k.type === 'checks').map(async (k) => [`${kindKey(k)}`, await segmentsFor(k)] as [string, Segments[]]))),
    ];

    // --- optional: where the workers' CPU goes; the database work of one decision ------------------
    // (A profile that fails says so in the output; the figures above stand.)
    const cpuProfileLines = cpuProfile
      ? await optional('cpu profile', async () =>
          cpuProfileTable(
            await cpuProfileOf(target, 'worker', checkCall, cpuProfileCalls, clients),
            await cpuProfileOf(target, 'floor-worker', callFor(mainFloor), cpuProfileCalls, clients),
            cpuProfileCalls,
            clients,
          ),
        )
      : ['Where the workers\' CPU goes: run with --cpu-profile (or BENCH_CPU_PROFILE=1).'];
    const opCostLines = profile
      ? await optional('single operations', async () => [
          'Single operations on this FerretDB (--profile: from the bench process, one at a time, 30 each, nothing else of ours running)',
          ...(await ferretOpCosts(target.env.MONGODB_URI!)).map((o) => `${o.name.padEnd(72)} p50 ${o.p.p50.toFixed(1).padStart(6)} ms  p95 ${o.p.p95.toFixed(1).padStart(6)} ms  p99 ${o.p.p99.toFixed(1).padStart(6)} ms`),
        ])
      : [];
    const dbProfileLines = profile ? await optional('database profile', () => databaseProfile(target, checkCall, profileChecks)) : ['Database commands per decision: run with --profile (or BENCH_PROFILE=1).'];

    // --- report ------------------------------------------------------------------------------------
    const pooled = (k: Kind) => {
      const ps = phases.filter((p) => kindKey(p.kind) === kindKey(k));
      const seq = percentiles(ps.flatMap((p) => p.sequential.latencies));
      const conc = percentiles(ps.flatMap((p) => p.concurrent.latencies));
      const n = ps.reduce((s, p) => s + p.concurrent.latencies.length, 0);
      const wall = ps.reduce((s, p) => s + p.concurrent.wallMs, 0);
      return { seq, conc, rps: n / (wall / 1000) };
    };
    const floor = pooled(mainFloor);
    const check = pooled(checks);
    const ratio = { p50: check.seq.p50 / floor.seq.p50, p99: check.seq.p99 / floor.seq.p99, rps: check.rps / floor.rps };
    const targets = { p50: 1.2, p99: 1.3, rps: 0.85 };
    const met = { p50: ratio.p50 <= targets.p50, p99: ratio.p99 <= targets.p99, rps: ratio.rps >= targets.rps };

    const allCpu = phases.flatMap((p) => [p.sequential.cpu, p.concurrent.cpu]);
    const busy = allCpu.reduce((s, c) => s + c.machineBusyMs, 0) / allCpu.reduce((s, c) => s + c.machineTotalMs, 0);
    const ours = allCpu.reduce((s, c) => s + [...c.byRole.values()].reduce((a, b) => a + b, 0), 0) / allCpu.reduce((s, c) => s + c.machineTotalMs, 0);
    const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
    const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

    out.push(
      '',
      `Decision path vs its floor, one run (${new Date().toISOString()}; ${machine()})`,
      `load average at start ${loadStart}, at end ${loadavg()}; during the phases the machine was ${pct(busy)} busy, ${pct(ours)} of it this run's processes (the rest: other work on the box)`,
      `a check's workflow ${checkRetention === 'sleep' ? 'sleeps its retention period after answering' : 'completes after answering'}; the floor here: ${kindLabel(mainFloor)}`,
      '',
      `Per phase (sequential: ${sequential} calls one at a time; then ${concurrent} calls at ${clients} clients)`,
      `${'phase'.padEnd(60)} ${'seq p50'.padStart(8)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} │ ${`${clients}c p50`.padStart(8)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'calls/s'.padStart(8)}`,
      ...phases.map((p) => {
        const s = percentiles(p.sequential.latencies);
        const c = percentiles(p.concurrent.latencies);
        return `${`${p.round === 'variant' ? 'variant' : `round ${p.round}`}: ${kindLabel(p.kind)}`.padEnd(60)} ${ms(s.p50).padStart(8)} ${ms(s.p95).padStart(7)} ${ms(s.p99).padStart(7)} │ ${ms(c.p50).padStart(8)} ${ms(c.p95).padStart(7)} ${ms(c.p99).padStart(7)} ${rps(p.concurrent).toFixed(1).padStart(8)}`;
      }),
      '',
      `Floor vs checks (pooled over ${rounds} rounds; ms; p50/p99 sequential, calls/s at ${clients} clients)`,
      `${''.padEnd(30)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'calls/s'.padStart(8)}`,
      row('floor', floor.seq, floor.rps),
      row('checks', check.seq, check.rps),
      `${'checks / floor'.padEnd(30)} ${`${ratio.p50.toFixed(2)}×`.padStart(8)} ${`${(check.seq.p95 / floor.seq.p95).toFixed(2)}×`.padStart(8)} ${`${ratio.p99.toFixed(2)}×`.padStart(8)} ${`${ratio.rps.toFixed(2)}×`.padStart(8)}`,
      `${'target'.padEnd(30)} ${'≤ 1.2×'.padStart(8)} ${''.padStart(8)} ${'≤ 1.3×'.padStart(8)} ${'≥ 0.85×'.padStart(8)}`,
      `${'met'.padEnd(30)} ${yes(met.p50).padStart(8)} ${''.padStart(8)} ${yes(met.p99).padStart(8)} ${yes(met.rps).padStart(8)}`,
      ...variantKinds.map((k) => {
        const v = pooled(k);
        const versus =
          k.type === 'checks'
            ? `it / floor: p50 ${(v.seq.p50 / floor.seq.p50).toFixed(2)}×, p99 ${(v.seq.p99 / floor.seq.p99).toFixed(2)}×, rps ${(v.rps / floor.rps).toFixed(2)}×`
            : `checks / it: p50 ${(check.seq.p50 / v.seq.p50).toFixed(2)}×, rps ${(check.rps / v.rps).toFixed(2)}×`;
        return `${'variant'.padEnd(8)} ${kindLabel(k).padEnd(60)} p50 ${ms(v.seq.p50)}  p99 ${ms(v.seq.p99)}  ${v.rps.toFixed(1)}/s  (${versus})`;
      }),
      '',
      ...cpuTable(phases, [checks, mainFloor, ...variantKinds], clients),
      '',
      ...anatomyTable(anatomies, [checks, mainFloor, ...variantKinds]),
      '',
      ...segmentTable(segmentColumns),
      '',
      ...cpuProfileLines,
      '',
      ...dbProfileLines,
      ...(opCostLines.length ? ['', ...opCostLines] : []),
      '',
      `run took ${((performance.now() - runStarted) / 1000).toFixed(0)} s${retriedAfter503 ? `; ${retriedAfter503} checks answered 503 (over 15 s) and were retried, the retry counted in their latency` : ''}`,
    );
    const figures = (x: ReturnType<typeof pooled>) => ({ p50: round(x.seq.p50), p99: round(x.seq.p99), rps: round(x.rps) });
    const json = {
      floor: figures(floor),
      checks: figures(check),
      ratio: { p50: round(ratio.p50, 2), p99: round(ratio.p99, 2), rps: round(ratio.rps, 2) },
      targets,
      met,
      floorKind: kindKey(mainFloor),
      variants: Object.fromEntries(variantKinds.map((k) => [kindKey(k), figures(pooled(k))])),
      loadavg: loadStart,
      machineBusy: round(busy, 2),
      at: new Date().toISOString(),
    };
    out.push(JSON.stringify(json), '');
    process.stdout.write(out.join('\n'));
  } finally {
    await connection.close();
    await target.stop();
  }
}

/** The bench's own PostgreSQL: wait for the WAL flush at each commit (on) or not (off, the embedded stack's setting). */
async function setSynchronousCommit(pgUrl: string, value: 'on' | 'off'): Promise<void> {
  const pg = new PgClient({ connectionString: pgUrl });
  await pg.connect();
  try {
    await pg.query(`ALTER SYSTEM SET synchronous_commit = ${value}`);
    await pg.query('SELECT pg_reload_conf()');
  } finally {
    await pg.end();
  }
  await sleep(500); // backends take the new setting at their next command
}

/** Runs an optional part of the report; a failure becomes a line of the report. */
async function optional(what: string, part: () => Promise<string[]>): Promise<string[]> {
  try {
    return await part();
  } catch (error) {
    log(`${what} failed: ${(error as Error).stack}`);
    return [`(${what} failed: ${(error as Error).message})`];
  }
}

const rps = (p: Part) => p.latencies.length / (p.wallMs / 1000);
const yes = (b: boolean) => (b ? 'yes' : 'NO');

function row(label: string, p: Percentiles, perSecond: number): string {
  return `${label.padEnd(30)} ${p.p50.toFixed(1).padStart(8)} ${p.p95.toFixed(1).padStart(8)} ${p.p99.toFixed(1).padStart(8)} ${perSecond.toFixed(1).padStart(8)}`;
}

/** Whether a finished check's workflow is still open after answering (it sleeps its retention) or completed. */
async function retentionOf(client: TemporalClient, workflowId: string): Promise<Retention> {
  for (let i = 0; i < 20; i++) {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') return 'complete';
    await sleep(100);
  }
  return 'sleep';
}

/** CPU ms per call, per process, in the concurrent parts (pooled over rounds). */
function cpuTable(phases: Phase[], kinds: Kind[], clients: number): string[] {
  const shown: Role[] = roles.filter((r) => phases.some((p) => (p.concurrent.cpu.byRole.get(r) ?? 0) > 0));
  const lines = [
    `CPU per call (ms, /proc utime+stime; the ${clients}-client parts, pooled); "other" is the rest of the machine in the same time`,
    `${'phase'.padEnd(52)} ${shown.map((r) => r.padStart(12)).join(' ')} ${'ours'.padStart(8)} ${'other'.padStart(8)}  wall/call`,
  ];
  for (const k of kinds) {
    const ps = phases.filter((p) => kindKey(p.kind) === kindKey(k)).map((p) => p.concurrent);
    const n = ps.reduce((s, p) => s + p.latencies.length, 0);
    const per = (r: Role) => ps.reduce((s, p) => s + (p.cpu.byRole.get(r) ?? 0), 0) / n;
    const ours = shown.reduce((s, r) => s + per(r), 0);
    const machine = ps.reduce((s, p) => s + p.cpu.machineBusyMs, 0) / n;
    const wall = ps.reduce((s, p) => s + p.wallMs, 0) / n;
    lines.push(`${kindLabel(k).padEnd(52)} ${shown.map((r) => per(r).toFixed(1).padStart(12)).join(' ')} ${ours.toFixed(1).padStart(8)} ${Math.max(0, machine - ours).toFixed(1).padStart(8)}  ${wall.toFixed(1)}`);
  }
  return lines;
}

function anatomyTable(anatomies: Map<string, Anatomy>, kinds: Kind[]): string[] {
  const types = [...new Set([...anatomies.values()].flatMap((a) => [...a.events.keys()]))];
  const cols = kinds.filter((k) => anatomies.has(kindKey(k)));
  const width = 22;
  const head = (k: Kind) => (k.type === 'checks' ? `check${k.syncCommit ? ' sync commit' : ''}` : `floor ${k.codec ? '' : 'plain '}${k.retention}${k.patched ? ' patch' : ''}${k.checkModules ? ' mods' : ''}`).padStart(width);
  return [
    'History of one sequential call (events by type, right after the answer)',
    `${'event'.padEnd(44)}${cols.map(head).join('')}`,
    ...types.map((t) => `${t.padEnd(44)}${cols.map((k) => String(anatomies.get(kindKey(k))!.events.get(t) ?? 0).padStart(width)).join('')}`),
    `${'total events'.padEnd(44)}${cols.map((k) => String(anatomies.get(kindKey(k))!.total).padStart(width)).join('')}`,
    `${'history size (bytes, encoded)'.padEnd(44)}${cols.map((k) => String(anatomies.get(kindKey(k))!.bytes).padStart(width)).join('')}`,
  ];
}

/** Segments' p50 and p95 per column; the first column is the checks, the second the floor. */
function segmentTable(columns: [string, Segments[]][]): string[] {
  const label: Record<keyof Segments, string> = {
    toStart: 'sent → workflow started',
    dispatch: 'started → task taken by the worker',
    workflowTask: 'workflow task: taken → completed',
    localActivity: '  of which the local activity',
    taskOther: '  of which the rest (activations, RPC)',
    back: 'task completed → caller has the answer',
    total: 'total',
  };
  const p50 = (xs: Segments[], k: keyof Segments) => percentiles(xs.map((x) => x[k])).p50;
  const p95 = (xs: Segments[], k: keyof Segments) => percentiles(xs.map((x) => x[k])).p95;
  const [[, checks], [, floor]] = columns;
  const w = Math.max(10, ...columns.map(([name]) => name.length + 4));
  return [
    `Where a sequential call's time goes (ms, from history event times; p50 and p95 of each segment, so they need not add up; ${columns.map(([name, xs]) => `${xs.length} ${name}`).join(', ')})`,
    `${'segment'.padEnd(44)} ${columns.map(([name]) => `${`${name} p50`.padStart(w)} ${'p95'.padStart(7)}`).join(' ')} ${'check − floor'.padStart(14)}`,
    ...segmentNames.map(
      (k) =>
        `${label[k].padEnd(44)} ${columns.map(([, xs]) => `${p50(xs, k).toFixed(1).padStart(w)} ${p95(xs, k).toFixed(1).padStart(7)}`).join(' ')} ${(p50(checks, k) - p50(floor, k)).toFixed(1).padStart(14)}`,
    ),
  ];
}

/**
 * A V8 CPU profile of one of our processes (the worker or the floor worker) over `n` calls at
 * `clients` clients: restarted with --cpu-prof, warmed up, measured in a window, stopped (the
 * profiles are written at exit), and started again as before.
 */
async function cpuProfileOf(target: Target, name: 'worker' | 'floor-worker', call: Call, n: number, clients: number): Promise<CpuProfileSummary & { procMs: number }> {
  log(`cpu profile: ${name}, ${n} calls at ${clients} clients ...`);
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-cpuprof-${name}-`));
  // stack/services.ts adds SERVICE_NODE_ARGS to the Node flags of the processes it starts.
  process.env.SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;
  try {
    await target.restart(name);
  } finally {
    delete process.env.SERVICE_NODE_ARGS;
  }
  try {
    await load(30, 4, async () => void (await call()));
    const before = cpuSnapshot();
    const startUs = monotonicUs();
    await load(n, clients, async () => void (await call()));
    const endUs = monotonicUs();
    const procMs = cpuDelta(before, cpuSnapshot()).byRole.get(name === 'worker' ? 'worker' : 'floor worker') ?? NaN;
    await target.services.get(name)!.stop();
    return { ...summarizeCpuProfiles(dir, { startUs, endUs }), procMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await target.restart(name);
  }
}

function cpuProfileTable(worker: CpuProfileSummary & { procMs: number }, floor: CpuProfileSummary & { procMs: number }, n: number, clients: number): string[] {
  const categories = [...new Set([...worker.byCategory.keys(), ...floor.byCategory.keys()])]
    .map((c) => ({ c, w: (worker.byCategory.get(c) ?? 0) / n, f: (floor.byCategory.get(c) ?? 0) / n }))
    .sort((a, b) => b.w - b.f - (a.w - a.f));
  const shown = categories.filter((x) => Math.abs(x.w - x.f) >= 0.2 || x.w >= 0.5).slice(0, 25);
  const rest = categories.filter((x) => !shown.includes(x));
  const share = (ms: number, of: CpuProfileSummary) => `${((100 * ms * n) / of.totalMs).toFixed(1)} %`;
  const line = (label: string, w: number, f: number) =>
    `${label.slice(0, 56).padEnd(56)} ${w.toFixed(2).padStart(9)} ${share(w, worker).padStart(8)} ${f.toFixed(2).padStart(9)} ${share(f, floor).padStart(8)} ${(w - f).toFixed(2).padStart(9)}`;
  return [
    `Where the workers' time goes (--cpu-profile: V8 samples, every thread, ${n} calls at ${clients} clients; ms per call, sorted by the excess over the floor).`,
    `  V8 counts the time a thread is not idle, CPU-starved included: on a loaded box it exceeds CPU time, so read the shares;`,
    `  /proc CPU in the same windows: worker ${(worker.procMs / n).toFixed(1)} ms per check, floor worker ${(floor.procMs / n).toFixed(1)} ms per floor call.`,
    `${'what ran'.padEnd(56)} ${'worker'.padStart(9)} ${'share'.padStart(8)} ${'floor'.padStart(9)} ${'share'.padStart(8)} ${'excess'.padStart(9)}`,
    ...shown.map((x) => line(x.c, x.w, x.f)),
    line(`the rest (${rest.length} more)`, rest.reduce((s, x) => s + x.w, 0), rest.reduce((s, x) => s + x.f, 0)),
    line('total (not idle)', worker.totalMs / n, floor.totalMs / n),
    `threads: worker ${worker.threads.map((t) => `${(t.ms / n).toFixed(1)}`).join(' + ')} ms; floor worker ${floor.threads.map((t) => `${(t.ms / n).toFixed(1)}`).join(' + ')} ms per call`,
  ];
}

/**
 * The database work of one decision: the worker and the API restarted with their MONGODB_URI
 * through a counting proxy, `n` sequential checks, and PostgreSQL's counters around them.
 */
async function databaseProfile(target: Target, call: Call, n: number): Promise<string[]> {
  log(`profile: restarting the worker and the API through a counting MongoDB proxy; ${n} sequential checks ...`);
  const uri = new URL(target.env.MONGODB_URI!);
  const upstream = { host: uri.hostname, port: Number(uri.port) };
  const proxies = { worker: new MongoCommandCounter(upstream), api: new MongoCommandCounter(upstream) };
  const via = (port: number) => Object.assign(new URL(uri.href), { port: String(port) }).href;
  try {
    await target.restart('worker', { MONGODB_URI: via(await proxies.worker.listen()) });
    await target.restart('api', { MONGODB_URI: via(await proxies.api.listen()) });
    for (let i = 0; i < 20; i++) await call(); // warm-up: connections, workflow bundle
    await sleep(statsSettleMs);
    const schema = uri.pathname.replace(/^\//, '') || 'test';
    const pgBefore = await pgStats(target.pgUrl!, schema);
    proxies.worker.reset();
    proxies.api.reset();
    const run = await load(n, 1, async () => void (await call()));
    const counted = { worker: new Map(proxies.worker.stats), api: new Map(proxies.api.stats) };
    await sleep(statsSettleMs);
    const pg = pgDelta(pgBefore, await pgStats(target.pgUrl!, schema));

    const lines = [
      `Database work per decision (--profile: ${n} sequential clean checks, worker and API through a counting MongoDB wire proxy;`,
      `  the proxy adds a hop, so its times are upper bounds; ${summary('latency through the proxy', run.latencies).trim()})`,
      `${'process  command collection'.padEnd(48)} ${'per check'.padStart(10)} ${'ms each p̄'.padStart(10)} ${'ms/check'.padStart(9)} ${'max'.padStart(7)}`,
    ];
    for (const [proc, stats] of Object.entries(counted)) {
      const entries = [...stats.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
      const work = entries.filter(([key]) => !housekeeping.has(key.split(' ')[0]));
      for (const [key, s] of work) {
        lines.push(`${`${proc.padEnd(8)} ${key}`.padEnd(48)} ${(s.count / n).toFixed(2).padStart(10)} ${(s.totalMs / s.count).toFixed(2).padStart(10)} ${(s.totalMs / n).toFixed(2).padStart(9)} ${s.maxMs.toFixed(1).padStart(7)}`);
      }
      const total = work.reduce((acc, [, s]) => ({ count: acc.count + s.count, ms: acc.ms + s.totalMs }), { count: 0, ms: 0 });
      const hk = entries.filter(([key]) => housekeeping.has(key.split(' ')[0])).reduce((c, [, s]) => c + s.count, 0);
      lines.push(`${`${proc.padEnd(8)} all commands`.padEnd(48)} ${(total.count / n).toFixed(2).padStart(10)} ${''.padStart(10)} ${(total.ms / n).toFixed(2).padStart(9)}   (+${hk} monitoring/handshake commands in the run)`);
    }
    lines.push('', `PostgreSQL per decision (pg_stat_database / pg_stat_user_tables of the FerretDB database, ${n} checks; FerretDB's tables named by collection)`);
    lines.push(`  ${Object.entries(pg.database).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ')}`);
    lines.push(`  ${'collection'.padEnd(26)} ${['seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch', 'n_tup_ins', 'n_tup_upd', 'n_tup_del'].map((c) => c.padStart(13)).join('')}`);
    for (const [name, d] of [...pg.tables.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      lines.push(`  ${name.padEnd(26)} ${['seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch', 'n_tup_ins', 'n_tup_upd', 'n_tup_del'].map((c) => ((d[c] ?? 0) / n).toFixed(2).padStart(13)).join('')}`);
    }
    return lines;
  } finally {
    await proxies.worker.close();
    await proxies.api.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

/**
 * bench:rules — the ruleset engine alone (pure, in process; no servers).
 *
 * 1. Evaluation per check at 200 rules: the default ruleset padded with generated
 *    valid rules over every field and op; p50/p95/p99 of
 *    - `score` (the rules on ready features: what a backtest or shadow pays), and
 *    - `assess` (features + rules + decision + details: what a live decision pays).
 *    Target: under 1 ms per check.
 * 2. A backtest over 100 000 synthetic recorded checks (generated orders decided by
 *    the default ruleset and recorded as the decision activity will), the 200-rule
 *    ruleset as the candidate; timed from JSON (as records come back from storage)
 *    and from objects in memory. Target: under 30 s.
 *
 * Options: --rules N (200), --checks N (100000), --samples N (20000).
 * The last line is JSON.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { backtest, comparison, decisionRecord, rescore, type RecordedCheck } from '../scoring/backtest';
import { compileRuleset } from '../scoring/compile';
import { ruleset as defaultRuleset } from '../scoring/rules';
import { extractFeatures } from '../scoring/features';
import type { RulesetData } from '../scoring/rulesetSchema';
import { validateRuleset } from '../scoring/validate';
import { generatedRules } from '../test/fixtures/generatedRules';
import { generatedInputs } from '../test/fixtures/scoringInputs';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RULES = arg('rules', 200);
const CHECKS = arg('checks', 100_000);
const SAMPLES = arg('samples', 20_000);
const TARGET_EVAL_MS = 1;
const TARGET_BACKTEST_S = 30;

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;
const fixed = (n: number, d = 4) => Number(n.toFixed(d));

interface Timing {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** CPU time of this process per call (wall-clock figures include waiting for a core on a loaded machine). */
  cpuMean: number;
}

function timeEach<T>(inputs: T[], samples: number, fn: (x: T) => unknown): Timing {
  for (let i = 0; i < Math.min(2_000, samples); i++) fn(inputs[i % inputs.length]); // warm up (JIT)
  const times = new Array<number>(samples);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    const x = inputs[i % inputs.length];
    const t0 = performance.now();
    fn(x);
    times[i] = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  const mean = times.reduce((a, b) => a + b, 0) / samples;
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: times[times.length - 1], mean, cpuMean: (cpu.user + cpu.system) / 1000 / samples };
}

function main(): void {
  console.log(`bench:rules — ${process.platform} ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);

  // --- the 200-rule ruleset -------------------------------------------------------
  const padded: RulesetData = {
    ...structuredClone(defaultRuleset),
    version: 'bench-candidate',
    rules: [...defaultRuleset.rules, ...generatedRules(Math.max(0, RULES - defaultRuleset.rules.length), 2026, 'PAD', { selective: true })],
  };
  let t0 = performance.now();
  const validation = validateRuleset(padded);
  const validateMs = performance.now() - t0;
  if (!validation.ok) throw new Error(`generated ruleset invalid: ${JSON.stringify(validation.problems.slice(0, 3))}`);
  t0 = performance.now();
  const candidate = compileRuleset(padded);
  const compileMs = performance.now() - t0;
  const live = compileRuleset(defaultRuleset);
  console.log(`ruleset: ${padded.rules.length} rules; validate ${validateMs.toFixed(1)} ms, validate + compile ${compileMs.toFixed(1)} ms (once per version)`);

  // --- evaluation per check ------------------------------------------------------------
  const inputs = generatedInputs(5_000, 1);
  const contexts = inputs.map((input) => ({ order: input.order, feature: extractFeatures(input) }));
  const score = timeEach(contexts, SAMPLES, (ctx) => candidate.score(ctx));
  const assess = timeEach(inputs, SAMPLES, (input) => candidate.assess(input));
  const assessDefault = timeEach(inputs, SAMPLES, (input) => live.assess(input));
  const line = (label: string, s: Timing) =>
    `${label.padEnd(46)} p50 ${us(s.p50).padStart(9)}  p95 ${us(s.p95).padStart(9)}  p99 ${us(s.p99).padStart(9)}  CPU/check ${us(s.cpuMean).padStart(9)}   target < ${TARGET_EVAL_MS} ms (p99): ${s.p99 < TARGET_EVAL_MS ? 'met' : 'NOT met'}`;
  const firedPerCheck = contexts.reduce((n, ctx) => n + candidate.score(ctx).fired.length, 0) / contexts.length;
  console.log(`\nevaluation per check (${SAMPLES} samples over ${inputs.length} generated orders; ${firedPerCheck.toFixed(1)} rules fire per check)`);
  console.log(line(`score: ${padded.rules.length} rules on ready features`, score));
  console.log(line(`assess: features + ${padded.rules.length} rules + details`, assess));
  console.log(line(`assess: the default ruleset (${defaultRuleset.rules.length} rules)`, assessDefault));

  // --- backtest over recorded checks -------------------------------------------------------
  t0 = performance.now();
  const distinct = generatedInputs(Math.min(CHECKS, 20_000), 3);
  const records: RecordedCheck[] = [];
  const start = Date.UTC(2026, 9, 1);
  for (let i = 0; i < CHECKS; i++) {
    const input = distinct[i % distinct.length];
    const { risk, facts } = live.assessWithFacts(input);
    const outcomes =
      i % 50 === 0 ? [{ type: 'chargeback' as const }] : i % 50 === 1 ? [{ type: 'fraud_confirmed' as const }] : i % 10 === 2 ? [{ type: 'legitimate' as const }] : undefined;
    records.push({
      ...decisionRecord({ checkId: `chk_${i}`, orderId: `ord_${i}`, createdAt: new Date(start + i * 30_000).toISOString(), risk, facts }),
      ...(outcomes ? { outcomes } : {}),
    });
  }
  const json = records.map((r) => JSON.stringify(r));
  const bytes = json.reduce((n, s) => n + s.length, 0);
  console.log(`\nbacktest: ${CHECKS} recorded checks (${distinct.length} distinct orders, ${(bytes / CHECKS).toFixed(0)} bytes of JSON each; made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const runs: Array<{ fromJsonS: number; inMemoryS: number; cpuS: number }> = [];
  let report = backtest(candidate, records);
  for (let run = 0; run < 3; run++) {
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const acc = comparison();
    for (const s of json) acc.add(rescore(candidate, JSON.parse(s) as RecordedCheck));
    report = acc.report();
    const fromJsonS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    t0 = performance.now();
    backtest(candidate, records);
    const inMemoryS = (performance.now() - t0) / 1000;
    runs.push({ fromJsonS, inMemoryS, cpuS });
    console.log(
      `  run ${run + 1}: from JSON ${fromJsonS.toFixed(2)} s (CPU ${cpuS.toFixed(2)} s, ${((fromJsonS * 1e6) / CHECKS).toFixed(1)} µs/check), in memory ${inMemoryS.toFixed(2)} s   target < ${TARGET_BACKTEST_S} s: ${fromJsonS < TARGET_BACKTEST_S ? 'met' : 'NOT met'}`,
    );
  }
  console.log(`  report: ${report.checks} checks, ${report.changed} changed, ${report.rescored} rescored; live ${JSON.stringify(report.live)}; candidate ${JSON.stringify(report.candidate)}`);
  console.log(`  outcomes: live ${JSON.stringify(report.outcomes.live)}; candidate ${JSON.stringify(report.outcomes.candidate)}`);
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`  RSS ${rss.toFixed(0)} MB (the records held in memory twice: objects and JSON; a store streams them)`);

  const worst = runs.reduce((a, b) => (b.fromJsonS > a.fromJsonS ? b : a));
  console.log(
    JSON.stringify({
      bench: 'rules',
      rules: padded.rules.length,
      evaluationMs: {
        score: { p50: fixed(score.p50), p95: fixed(score.p95), p99: fixed(score.p99), cpuMean: fixed(score.cpuMean) },
        assess: { p50: fixed(assess.p50), p95: fixed(assess.p95), p99: fixed(assess.p99), cpuMean: fixed(assess.cpuMean) },
        assessDefault: { p50: fixed(assessDefault.p50), p95: fixed(assessDefault.p95), p99: fixed(assessDefault.p99), cpuMean: fixed(assessDefault.cpuMean) },
        target: TARGET_EVAL_MS,
        met: assess.p99 < TARGET_EVAL_MS,
      },
      backtest: {
        checks: CHECKS,
        fromJsonS: fixed(worst.fromJsonS, 2),
        inMemoryS: fixed(worst.inMemoryS, 2),
        cpuS: fixed(worst.cpuS, 2),
        target: TARGET_BACKTEST_S,
        met: worst.fromJsonS < TARGET_BACKTEST_S,
      },
      compileMs: fixed(compileMs, 1),
      loadavg: os.loadavg().map((l) => fixed(l, 2)),
    }),
  );
}

main();

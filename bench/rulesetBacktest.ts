/**
 * bench:backtest — the backtest endpoint's work against the embedded database:
 * N decision records stored as the decision activity stores them (collection
 * `decisions`, spread over the 60 days up to now), then `app/rulesets.ts` backtests the
 * 200-rule candidate over the period (read a day at a time, streamed, rescored, compared):
 * first with every record read one by one (no day packed yet), then after the packing pass
 * (app/decisionPacks.ts: every finished day in a few deflated documents; today's records
 * stay one by one), twice; then counts its rules (`stats`, rescored). bench:rules measures
 * the same rescoring in memory; this adds what reading the records from FerretDB costs.
 *
 * Options: --checks N (100000), --rules N (200). The last line is JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startStack } from '../stack';
import { freePort } from '../stack/processes';
import { connectDatabase, disconnectDatabase, DecisionRecordModel } from '../models';
import { dayOf } from '../models/ruleset';
import { compileRuleset, decisionRecord } from '../scoring';
import { ruleset as defaultRuleset } from '../scoring/rules';
import * as rulesets from '../app/rulesets';
import { insertRuleset } from '../app/rulesetStore';
import { sealFinishedDays } from '../app/decisionPacks';
import { generatedRules } from '../test/fixtures/generatedRules';
import { generatedInputs } from '../test/fixtures/scoringInputs';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHECKS = arg('checks', 100_000);
const RULES = arg('rules', 200);
const TARGET_S = 30;
const DAYS = 60;

async function main(): Promise<void> {
  console.log(`bench:backtest — ${os.cpus().length} cores, Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-bench-backtest-'));
  const stack = await startStack({
    dataDir,
    ephemeral: true,
    ports: { postgres: await freePort(), mongo: await freePort(), temporal: await freePort(), temporalUi: await freePort() },
  });
  try {
    await connectDatabase(stack.mongodbUri);
    const live = compileRuleset(defaultRuleset);
    const inputs = generatedInputs(Math.min(CHECKS, 20_000), 7);
    const end = Date.now();
    const start = end - DAYS * 86_400_000;
    let t0 = performance.now();
    for (let i = 0; i < CHECKS; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(CHECKS, i + 1000); j++) {
        const { risk, facts } = live.assessWithFacts(inputs[j % inputs.length]);
        const createdAt = new Date(start + Math.floor(((end - start) * j) / CHECKS));
        const r = decisionRecord({ checkId: `chk_b${j}`, orderId: `ord_b${j}`, createdAt: createdAt.toISOString(), risk, facts });
        batch.push({ _id: r.checkId, orderId: r.orderId, createdAt, day: dayOf(createdAt), rulesetVersion: r.rulesetVersion, live: r.live, facts: JSON.stringify(r.facts) });
      }
      await DecisionRecordModel.insertMany(batch, { ordered: false, lean: true });
    }
    const insertS = (performance.now() - t0) / 1000;
    console.log(`stored ${CHECKS} decision records over ${DAYS} days in ${insertS.toFixed(1)} s`);

    const candidate = await insertRuleset(
      { ...structuredClone(defaultRuleset), rules: [...defaultRuleset.rules, ...generatedRules(Math.max(0, RULES - defaultRuleset.rules.length), 2026, 'PAD', { selective: true })] },
      'bench',
    );
    const actor: rulesets.RulesetActor = { type: 'service', id: 'bench' };
    const period = { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
    t0 = performance.now();
    const unpacked = await rulesets.backtest(actor, candidate.version, period);
    const unpackedS = (performance.now() - t0) / 1000;
    console.log(`  backtest, records one by one (no day packed): ${unpackedS.toFixed(2)} s for ${unpacked.checks} checks (${unpacked.changed} changed)`);
    t0 = performance.now();
    const { sealed } = await sealFinishedDays();
    const packS = (performance.now() - t0) / 1000;
    console.log(`  packing pass: ${sealed.length} days, ${sealed.reduce((n, d) => n + d.records, 0)} records in ${packS.toFixed(1)} s`);
    const runs: number[] = [];
    let report: rulesets.BacktestReport | undefined;
    for (let run = 0; run < 2; run++) {
      t0 = performance.now();
      report = await rulesets.backtest(actor, candidate.version, period);
      runs.push((performance.now() - t0) / 1000);
      if (report.changed !== unpacked.changed || report.checks !== unpacked.checks) throw new Error('the packed days answered another report than the records one by one');
      console.log(`  backtest run ${run + 1} (packed): ${runs[run].toFixed(2)} s for ${report.checks} checks (${report.changed} changed)   target < ${TARGET_S} s: ${runs[run] < TARGET_S ? 'met' : 'NOT met'}`);
    }
    t0 = performance.now();
    const stats = await rulesets.stats(actor, candidate.version, period);
    const statsS = (performance.now() - t0) / 1000;
    console.log(`  stats (rescored): ${statsS.toFixed(2)} s for ${stats.checks} checks`);
    console.log(JSON.stringify({ checks: CHECKS, rules: candidate.rules.length, insertS, unpackedS, packS, backtestS: runs, statsS, targetS: TARGET_S, met: Math.max(...runs) < TARGET_S, truncated: report!.truncated }));
  } finally {
    await disconnectDatabase().catch(() => undefined);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

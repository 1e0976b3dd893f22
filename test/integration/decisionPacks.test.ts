/**
 * Packed decision days (app/decisionPacks.ts): a finished day answers backtests and rule
 * statistics from its packs exactly as it did record by record; two packing passes at once
 * seal a day once; the Schedule's pass (run at once through `npm run ops -- pack-decisions`)
 * packs the finished days and leaves today's records alone. Backtests and statistics go
 * through HTTP; the records of past days are written as the decision activity writes them.
 */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { Client, Connection } from '@temporalio/client';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { ops } from './opsRunner';
import { connectDatabase, DecisionPackModel, DecisionRecordModel, DecisionSealModel } from '../../models';
import { dayOf } from '../../models/ruleset';
import { recordDecisionFacts } from '../../app/rulesetStore';
import { sealDay } from '../../app/decisionPacks';
import { compileRuleset, decisionRecord } from '../../scoring';
import { ruleset as defaultRuleset } from '../../scoring/rules';
import { generatedInputs } from '../fixtures/scoringInputs';

const DAY_MS = 86_400_000;

describe('packed decision days (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let senior: string;
  let candidate: string;
  const run = Date.now().toString(36);
  const live = compileRuleset(defaultRuleset);
  const inputs = generatedInputs(400, 11);
  /** A day `n` days before today (no other test writes decision records into past days). */
  const daysAgo = (n: number) => dayOf(Date.now() - n * DAY_MS);
  const api = (method: string, path: string, json?: unknown) => call(h.baseUrl, method, path, { token: senior, json });
  const wholeDay = (day: string) => ({ from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z` });

  /** `n` decision records on `day`, as the decision activity records them. */
  async function seedDay(day: string, n: number, tag: string): Promise<void> {
    await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const { risk, facts } = live.assessWithFacts(inputs[(i * 7 + tag.length) % inputs.length]);
        const createdAt = new Date(Date.parse(`${day}T00:00:00.000Z`) + (i + 1) * 60_000).toISOString();
        return recordDecisionFacts(decisionRecord({ checkId: `chk_pk_${run}_${tag}_${i}`, orderId: `ord_pk_${run}_${tag}_${i}`, createdAt, risk, facts }), []);
      }),
    );
  }

  async function backtest(day: string) {
    const res = await api('POST', `/v1/rulesets/${candidate}/backtest`, wholeDay(day));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    // The examples in a stable order: a day's records may come back in another order than they went in.
    const report = res.body as { checks: number; changed: number; examples: { orderId: string }[] };
    return { ...report, examples: [...report.examples].sort((a, b) => a.orderId.localeCompare(b.orderId)) };
  }

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    senior = await h.token('sen_packs', 'senior');
    await connectDatabase(h.stack.mongodbUri);
    const liveSet = await api('GET', '/v1/rulesets/live');
    expect(liveSet.status).to.equal(200);
    // The live rules plus one that fires on every order above 100: many past decisions change.
    const extra = { code: 'TEST_PACKED_AMOUNT', description: 'orders above 100', points: 35, when: { field: 'order.amount', op: 'gt', value: 100 } };
    const saved = await api('POST', '/v1/rulesets', { note: 'packs test', rules: [...liveSet.body.rules, extra], bands: liveSet.body.bands, policy: liveSet.body.policy });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    candidate = saved.body.version;
  });

  after(async () => {
    await mongoose.connection.close(); // the default connection only
  });

  it('answers a backtest and rule statistics of a packed day exactly as record by record', async () => {
    const day = daysAgo(5);
    await seedDay(day, 25, 'same');
    const before = await backtest(day);
    expect(before.checks).to.equal(25);
    expect(before.changed).to.be.above(0);
    const statsBefore = await api('GET', `/v1/rulesets/${candidate}/stats?from=${wholeDay(day).from}&to=${wholeDay(day).to}`);
    expect(statsBefore.status).to.equal(200);

    const sealed = await sealDay(day, Date.now(), 7);
    expect(sealed).to.deep.equal({ day, records: 25, parts: 4 });
    expect(await DecisionPackModel.countDocuments({ day })).to.equal(4);
    expect(await DecisionRecordModel.countDocuments({ day }), 'the records stay').to.equal(25);

    expect(await backtest(day)).to.deep.equal(before);
    const statsAfter = await api('GET', `/v1/rulesets/${candidate}/stats?from=${wholeDay(day).from}&to=${wholeDay(day).to}`);
    expect(statsAfter.body).to.deep.equal(statsBefore.body);
    expect(await sealDay(day, Date.now(), 7), 'a sealed day is left alone').to.equal(undefined);
  });

  it('never packs a day before it is over (and the grace after it)', async () => {
    expect(await sealDay(dayOf(Date.now()))).to.equal(undefined);
    expect(await DecisionSealModel.exists({ _id: dayOf(Date.now()) })).to.equal(null);
  });

  it('seals a day once when four packing passes race for it (10 trials)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const day = daysAgo(20 + trial);
      await seedDay(day, 12, `race${trial}`);
      const results = await Promise.all([0, 1, 2, 3].map(() => sealDay(day, Date.now(), 5)));
      const winners = results.filter((r) => r !== undefined);
      expect(winners, `trial ${trial}`).to.have.length(1);
      expect(winners[0]).to.deep.include({ records: 12, parts: 3 });
      const seal = await DecisionSealModel.findById(day).lean<{ seal: string }>();
      const packs = await DecisionPackModel.find({ day }).lean<{ seal: string }[]>();
      expect(packs.map((p) => p.seal), `trial ${trial}: the losers took their packs back`).to.deep.equal([seal!.seal, seal!.seal, seal!.seal]);
      expect((await backtest(day)).checks, `trial ${trial}`).to.equal(12);
    }
  });

  it("runs the Schedule's pass through the ops CLI: finished days packed, today's records left as they are", async () => {
    const finished = daysAgo(3);
    await seedDay(finished, 9, 'ops');
    const before = await backtest(finished);
    const { code, output } = await ops({ ...h.env }, 'pack-decisions');
    expect(code, output).to.equal(0);
    expect(output).to.match(/decision packing: \d+ day\(s\) sealed, \d+ record\(s\) packed into \d+ day\(s\)/);
    expect(await DecisionSealModel.findById(finished).lean(), 'the finished day is sealed').to.deep.include({ parts: 1, count: 9 });
    expect(await DecisionSealModel.exists({ _id: dayOf(Date.now()) }), 'today is not').to.equal(null);
    expect(await backtest(finished)).to.deep.equal(before);

    // The hourly Schedule the checks worker made at start.
    const connection = await Connection.connect({ address: h.stack.temporalAddress });
    try {
      const schedule = await new Client({ connection }).schedule.getHandle('decision-packing').describe();
      expect(schedule.spec.intervals?.[0]?.every).to.equal(3_600_000);
    } finally {
      await connection.close();
    }
  });
});

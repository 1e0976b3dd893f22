/** Backtests, shadows and rule statistics over recorded decisions. */
import { expect } from 'chai';
import { z } from 'zod';
import { backtest, comparison, comparisonReportSchema, ruleStatsSchema, decisionRecord, outcomeLabel, recordedRuleStats, rescore, rescoredRuleStats, ruleStats, type OutcomeRef, type RecordedCheck } from '../../scoring/backtest';
import { compileRuleset, type CompiledRuleset } from '../../scoring/compile';
import { ruleset as defaultRuleset } from '../../scoring/rules';
import type { RuleData, RulesetData } from '../../scoring/rulesetSchema';
import type { Action, ScoreInput } from '../../scoring/types';
import { generatedRules } from '../fixtures/generatedRules';
import { fixtureInputs, generatedInputs } from '../fixtures/scoringInputs';

const live = compileRuleset(defaultRuleset);

/** Decide each input with `rs`, as the decision activity will, and record it. */
function record(inputs: ScoreInput[], rs: CompiledRuleset = live): RecordedCheck[] {
  return inputs.map((input, i) => {
    const { risk, facts } = rs.assessWithFacts(input);
    return decisionRecord({ checkId: `chk_${i}`, orderId: input.order.orderId, createdAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(), risk, facts });
  });
}

const variant = (edit: (rs: RulesetData) => void, version = 'candidate'): CompiledRuleset => {
  const rs = structuredClone(defaultRuleset);
  rs.version = version;
  edit(rs);
  return compileRuleset(rs);
};

const inputs = [...fixtureInputs().map((f) => f.input), ...generatedInputs(600, 99)];
const records = record(inputs);

describe('decision records', () => {
  it('hold ids, the decision and PII-free facts', () => {
    const input = fixtureInputs()[1].input;
    const [r] = record([input]);
    expect(r).to.include({ checkId: 'chk_0', orderId: input.order.orderId, rulesetVersion: defaultRuleset.version });
    const a = live.assess(input);
    expect(r.live).to.deep.equal({ score: a.score, band: a.band, action: a.action, fired: a.reasons.map((x) => x.code).sort() });
    const json = JSON.stringify(r.facts);
    const { customer, device, shippingAddress, payment } = input.order;
    for (const secret of [customer.email, customer.email.split('@')[0], device?.ip, device?.fingerprint, shippingAddress?.line1, shippingAddress?.postalCode, payment?.card?.fingerprint]) {
      expect(json).to.not.include(JSON.stringify(secret));
    }
  });
});

describe('backtest', () => {
  it('the live ruleset rescored on its own records changes nothing', () => {
    const report = backtest(live, records);
    expect(report).to.include({ checks: inputs.length, changed: 0, rescored: 0 });
    expect(report.candidate).to.deep.equal(report.live);
    expect(report.examples).to.deep.equal([]);
    for (const r of records) expect(rescore(live, r).candidate).to.deep.equal(r.live);
  });

  it('rescoring recorded facts decides exactly as the candidate would have on the whole order (any rule over any field)', () => {
    const candidate = variant((rs) => {
      rs.rules.push(...generatedRules(200, 11));
    });
    for (let i = 0; i < records.length; i++) {
      const whole = candidate.assess(inputs[i]);
      const re = rescore(candidate, records[i]).candidate;
      expect(re).to.deep.equal({ score: whole.score, band: whole.band, action: whole.action, fired: whole.reasons.map((r) => r.code).sort() });
    }
  });

  it('counts decisions by action, changed checks and the live → candidate transitions', () => {
    const stricter = variant((rs) => {
      rs.rules = rs.rules.map((r) => (r.code === 'HIGH_VALUE' ? { ...r, points: 30 } : r));
    });
    const report = backtest(stricter, records);
    expect(z.strictObject(comparisonReportSchema.shape).parse(report)).to.deep.equal(report);
    const expected = { changed: 0, rescored: 0, live: {} as Record<string, number>, candidate: {} as Record<string, number> };
    inputs.forEach((input, i) => {
      const a = stricter.assess(input);
      const l = records[i].live;
      if (a.action !== l.action) expected.changed++;
      if (a.score !== l.score) expected.rescored++;
      expected.live[l.action] = (expected.live[l.action] ?? 0) + 1;
      expected.candidate[a.action] = (expected.candidate[a.action] ?? 0) + 1;
    });
    expect(expected.changed).to.be.greaterThan(0);
    expect(report.changed).to.equal(expected.changed);
    expect(report.rescored).to.equal(expected.rescored);
    for (const a of ['approve', 'review', 'verify', 'block'] as Action[]) {
      expect(report.live[a]).to.equal(expected.live[a] ?? 0);
      expect(report.candidate[a]).to.equal(expected.candidate[a] ?? 0);
      expect(Object.values(report.transitions[a]).reduce((x, y) => x + y, 0)).to.equal(report.live[a]);
    }
    const moved = Object.entries(report.transitions).flatMap(([from, to]) => Object.entries(to).filter(([t]) => t !== from).map(([, n]) => n));
    expect(moved.reduce((x, y) => x + y, 0)).to.equal(report.changed);
  });

  it('examples: action changes first, the largest score changes first, at most the number asked', () => {
    const stricter = variant((rs) => {
      rs.rules = rs.rules.map((r) => (r.code === 'HIGH_VALUE' ? { ...r, points: 30 } : r));
    });
    const report = backtest(stricter, records, { examples: 5 });
    expect(report.examples).to.have.length(5);
    for (const e of report.examples) {
      expect(e.candidateAction).to.not.equal(e.liveAction);
      expect(Object.keys(e)).to.include.members(['orderId', 'liveScore', 'candidateScore', 'liveAction', 'candidateAction']);
    }
    const deltas = report.examples.map((e) => Math.abs(e.candidateScore - e.liveScore));
    expect(deltas).to.deep.equal([...deltas].sort((a, b) => b - a));
    const all = backtest(stricter, records, { examples: 1000 });
    const changes = records.filter((r) => {
      const c = rescore(stricter, r).candidate;
      return c.score !== r.live.score || c.action !== r.live.action;
    });
    expect(all.examples).to.have.length(changes.length);
    expect(all.examples.slice(0, 5)).to.deep.equal(report.examples);
  });

  it('outcomes: fraud caught and missed, good orders held and blocked, by the definitions', () => {
    const check = (liveAction: Action, candidateAction: Action, outcomes?: OutcomeRef[]) => ({
      checkId: 'c',
      orderId: 'o',
      createdAt: '2026-11-01T00:00:00Z',
      live: { score: 0, band: 'low' as const, action: liveAction, fired: [] },
      candidate: { score: 0, band: 'low' as const, action: candidateAction, fired: [] },
      ...(outcomes ? { outcomes } : {}),
    });
    const acc = comparison();
    acc.add(check('approve', 'verify', [{ type: 'chargeback' }])); // fraud: live missed, candidate caught
    acc.add(check('block', 'review', [{ type: 'fraud_confirmed' }, { type: 'refund' }])); // fraud: both caught
    acc.add(check('verify', 'approve', [{ type: 'legitimate' }])); // good: live held, candidate released
    acc.add(check('block', 'block', [{ type: 'legitimate' }])); // good: both held and blocked
    acc.add(check('approve', 'approve', [{ type: 'refund' }])); // refund: unlabelled
    acc.add(check('approve', 'approve')); // no outcome
    const { outcomes } = acc.report();
    expect(outcomes.reported).to.deep.equal({ chargeback: 1, fraud_confirmed: 1, legitimate: 2, refund: 2 });
    expect(outcomes.labelled).to.deep.equal({ fraud: 2, legitimate: 2 });
    expect(outcomes.live).to.deep.equal({ fraudCaught: 1, fraudMissed: 1, goodHeld: 2, goodBlocked: 1 });
    expect(outcomes.candidate).to.deep.equal({ fraudCaught: 2, fraudMissed: 0, goodHeld: 1, goodBlocked: 1 });
  });

  it("a check's label is its latest chargeback, fraud_confirmed or legitimate outcome", () => {
    expect(outcomeLabel(undefined)).to.equal(undefined);
    expect(outcomeLabel([{ type: 'refund' }])).to.equal(undefined);
    expect(outcomeLabel([{ type: 'chargeback', occurredAt: '2026-11-02T00:00:00Z' }, { type: 'legitimate', occurredAt: '2026-11-03T00:00:00Z' }])).to.equal('legitimate');
    expect(outcomeLabel([{ type: 'legitimate', occurredAt: '2026-11-03T00:00:00Z' }, { type: 'chargeback', occurredAt: '2026-11-02T00:00:00Z' }])).to.equal('legitimate');
    expect(outcomeLabel([{ type: 'legitimate', occurredAt: '2026-11-01T00:00:00Z' }, { type: 'fraud_confirmed', occurredAt: '2026-11-02T00:00:00Z' }])).to.equal('fraud');
    expect(outcomeLabel([{ type: 'legitimate' }, { type: 'chargeback' }])).to.equal('fraud');
  });

  it('a shadow report is the same comparison over results stored at decision time', () => {
    const candidate = variant((rs) => {
      rs.bands = [
        { band: 'low', min: 0, max: 14, action: 'approve' },
        { band: 'medium', min: 15, max: 49, action: 'verify' },
        { band: 'high', min: 50, max: 74, action: 'verify' },
        { band: 'critical', min: 75, max: 100, action: 'block' },
      ];
    });
    const stored = records.map((r) => ({ record: r, shadow: rescore(candidate, r).candidate })); // at decision time
    const acc = comparison();
    for (const { record: r, shadow } of stored) acc.add({ checkId: r.checkId, orderId: r.orderId, createdAt: r.createdAt, live: r.live, candidate: shadow });
    expect(acc.report()).to.deep.equal(backtest(candidate, records));
  });
});

describe('rule statistics', () => {
  it('per rule: how often it fired and the outcomes of the orders it fired on', () => {
    const acc = ruleStats(['A', 'B', 'C']);
    acc.add(['A', 'B'], [{ type: 'chargeback' }]);
    acc.add(['A'], [{ type: 'legitimate' }, { type: 'refund' }]);
    acc.add(['B', 'OTHER'], []);
    acc.add([]);
    const stats = acc.report();
    expect(stats.checks).to.equal(4);
    expect(stats.all).to.deep.equal({ outcomes: { chargeback: 1, fraud_confirmed: 0, legitimate: 1, refund: 1 }, labelled: { fraud: 1, legitimate: 1 } });
    expect(stats.rules).to.deep.equal([
      { code: 'A', fired: 2, outcomes: { chargeback: 1, fraud_confirmed: 0, legitimate: 1, refund: 1 }, labelled: { fraud: 1, legitimate: 1 } },
      { code: 'B', fired: 2, outcomes: { chargeback: 1, fraud_confirmed: 0, legitimate: 0, refund: 0 }, labelled: { fraud: 1, legitimate: 0 } },
      { code: 'C', fired: 0, outcomes: { chargeback: 0, fraud_confirmed: 0, legitimate: 0, refund: 0 }, labelled: { fraud: 0, legitimate: 0 } },
    ]);
  });

  it('from the records a version decided, or by rescoring them: the same for the live version', () => {
    const codes = defaultRuleset.rules.map((r: RuleData) => r.code);
    const withOutcomes = records.map((r, i) => (i % 7 === 0 ? { ...r, outcomes: [{ type: 'chargeback' as const }] } : r));
    const recorded = recordedRuleStats(codes, withOutcomes, defaultRuleset.version);
    expect(recorded.checks).to.equal(records.length);
    expect(ruleStatsSchema.parse(recorded)).to.deep.equal(recorded);
    expect(rescoredRuleStats(live, withOutcomes)).to.deep.equal(recorded);
    expect(recordedRuleStats(codes, withOutcomes, 'another').checks).to.equal(0);
    const highValue = recorded.rules.find((r) => r.code === 'HIGH_VALUE')!;
    expect(highValue.fired).to.equal(records.filter((r) => r.live.fired.includes('HIGH_VALUE')).length);
  });
});

/**
 * Table test: the default ruleset as data (scoring/rules.ts, what the engine scores
 * with) scores every order fixture, every scoring unit test's case and seeded batches
 * of generated orders exactly as the predicate rules did (test/fixtures/legacyScoring.ts,
 * the code as it was at the switch) — score, band, action, reasons (codes, points,
 * details) and requested documents.
 */
import { expect } from 'chai';
import { assess } from '../../scoring/engine';
import { ruleset } from '../../scoring/rules';
import type { ScoreInput } from '../../scoring/types';
import { legacyAssess, legacyRuleset } from '../fixtures/legacyScoring';
import { engineGenerated, engineTable, ruleCases } from '../fixtures/scoringCases';
import { fixtureInputs, generatedInputs } from '../fixtures/scoringInputs';

/** The predicate rules' assessment, stamped with the data ruleset's version (the only intended difference). */
const reference = (input: ScoreInput) => ({ ...legacyAssess(input), rulesetVersion: ruleset.version });

/** Codes of rules added with the data form (the lists' allow rule, prior outcomes): they need inputs the code never had. */
const newCodes = new Set(ruleset.rules.map((r) => r.code).filter((c) => !legacyRuleset.rules.some((l) => l.code === c)));
const oldInputs = (inputs: ScoreInput[]) =>
  inputs.filter((i) => i.allowlistHits === undefined && i.priorOutcomes === undefined && i.duplicateDocuments === undefined);

describe('default ruleset as data: the same assessments as the code', () => {
  it('the data ruleset carries a new version', () => {
    expect(ruleset.version).to.not.equal(legacyRuleset.version);
  });

  for (const { name, input } of fixtureInputs()) {
    it(`order fixture: ${name}`, () => {
      expect(assess(input)).to.deep.equal(reference(input));
    });
  }

  it("every case of the rules' table", () => {
    const inputs = oldInputs(Object.values(ruleCases).flatMap((c) => [...c.fires, ...c.not]));
    expect(inputs.length).to.be.greaterThan(90);
    for (const input of inputs) expect(assess(input), JSON.stringify(input.order)).to.deep.equal(reference(input));
  });

  it("every row of the engine's table and its 400 generated orders", () => {
    for (const input of [...engineTable.map((r) => r.input), ...engineGenerated(400)]) {
      expect(assess(input), JSON.stringify(input.order)).to.deep.equal(reference(input));
    }
  });

  const batch = generatedInputs(3000);
  it(`${batch.length} more generated orders (optional data dropped, values at every limit, bursts, saturation, list hits)`, () => {
    for (const input of batch) expect(assess(input), JSON.stringify(input)).to.deep.equal(reference(input));
  });

  it('the generated orders make every rule of the code fire and every action happen', () => {
    const fired = new Set<string>();
    const actions = new Set<string>();
    for (const input of batch) {
      const a = legacyAssess(input);
      for (const r of a.reasons) fired.add(r.code);
      actions.add(a.action);
    }
    expect([...fired].sort()).to.deep.equal(legacyRuleset.rules.map((r) => r.code).sort());
    expect([...actions].sort()).to.deep.equal(['approve', 'block', 'review', 'verify']);
  });

  it('holds every rule of the code, with the same points, hard marker, documents and description', () => {
    for (const old of legacyRuleset.rules) {
      const rule = ruleset.rules.find((r) => r.code === old.code);
      expect(rule, old.code).to.not.equal(undefined);
      expect(rule!.points, old.code).to.equal(old.points);
      expect(rule!.hard === true, old.code).to.equal(old.hard === true);
      expect(rule!.requests ?? [], old.code).to.deep.equal(old.asks ?? []);
      expect(rule!.description, old.code).to.equal(old.description);
    }
    expect([...newCodes].sort()).to.deep.equal([
      'ALLOWLIST_HIT',
      'DUPLICATE_DOCUMENT',
      'PRIOR_CHARGEBACK_CARD',
      'PRIOR_CHARGEBACK_DEVICE',
      'PRIOR_CHARGEBACK_EMAIL',
      'PRIOR_CHARGEBACK_SHIPPING_ADDRESS',
      'PRIOR_FRAUD_CARD',
      'PRIOR_FRAUD_DEVICE',
      'PRIOR_FRAUD_EMAIL',
      'PRIOR_FRAUD_SHIPPING_ADDRESS',
    ]);
  });
});

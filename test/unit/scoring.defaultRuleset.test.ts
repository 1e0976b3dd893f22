/**
 * Table test: the default ruleset as data scores every fixture, every scoring test
 * case and a seeded batch of generated orders exactly as the predicate rules do —
 * score, band, action, reasons (codes, points, details) and requested documents.
 */
import { expect } from 'chai';
import { assess } from '../../scoring/engine';
import { ruleset } from '../../scoring/rules';
import { compileRuleset } from '../../scoring/compile';
import { defaultRuleset } from '../../scoring/defaultRuleset';
import type { ScoreInput } from '../../scoring/types';
import { fixtureInputs, generatedInputs } from '../fixtures/scoringInputs';

const data = compileRuleset(defaultRuleset);

/** The predicate rules' assessment, stamped with the data ruleset's version (the only intended difference). */
const reference = (input: ScoreInput) => ({ ...assess(input), rulesetVersion: defaultRuleset.version });

describe('default ruleset as data: the same assessments as the code', () => {
  for (const { name, input } of fixtureInputs()) {
    it(name, () => {
      expect(data.assess(input)).to.deep.equal(reference(input));
    });
  }

  const batch = generatedInputs(3000);
  it(`${batch.length} generated orders`, () => {
    for (const input of batch) {
      const expected = reference(input);
      expect(data.assess(input), JSON.stringify(input)).to.deep.equal(expected);
    }
  });

  it('the generated orders make every rule of the code fire and every action happen', () => {
    const fired = new Set<string>();
    const actions = new Set<string>();
    for (const input of batch) {
      const a = assess(input);
      for (const r of a.reasons) fired.add(r.code);
      actions.add(a.action);
    }
    expect([...fired].sort()).to.deep.equal(ruleset.rules.map((r) => r.code).sort());
    expect([...actions].sort()).to.deep.equal(['approve', 'block', 'review', 'verify']);
  });

  it('holds every rule of the code, with the same points, hard marker, documents and description', () => {
    for (const old of ruleset.rules) {
      const rule = defaultRuleset.rules.find((r) => r.code === old.code);
      expect(rule, old.code).to.not.equal(undefined);
      expect(rule!.points, old.code).to.equal(old.points);
      expect(rule!.hard === true, old.code).to.equal(old.hard === true);
      expect(rule!.requests ?? [], old.code).to.deep.equal(old.asks ?? []);
      expect(rule!.description, old.code).to.equal(old.description);
    }
  });
});

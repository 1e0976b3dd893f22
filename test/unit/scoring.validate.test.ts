/** The ruleset validator: every kind of mistake is named, with where and why; bounded on hostile input. */
import { expect } from 'chai';
import { compileRuleset } from '../../scoring/compile';
import { ruleset as defaultRuleset } from '../../scoring/rules';
import { bounds, rulesetDraftSchema, rulesetSchema, type RuleData } from '../../scoring/rulesetSchema';
import { InvalidRulesetError, MAX_PROBLEMS, validateRuleset, type Problem } from '../../scoring/validate';
import { generatedRules } from '../fixtures/generatedRules';

const base = () => structuredClone({ note: 'test', rules: defaultRuleset.rules, bands: defaultRuleset.bands }) as { note: string; rules: unknown[]; bands: unknown[]; policy?: unknown };

const rule = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  code: 'TEST_RULE',
  description: 'a test rule',
  points: 5,
  when: { field: 'order.amount', op: 'gte', value: 100 },
  ...overrides,
});

/** The problems of the default ruleset with `extra` rules added. */
function problemsWith(...extra: unknown[]): Problem[] {
  const rs = base();
  rs.rules.push(...extra);
  const v = validateRuleset(rs);
  return v.ok ? [] : v.problems;
}

function expectProblem(problems: Problem[], at: string | RegExp, message: RegExp, code?: string): void {
  const found = problems.find((p) => (typeof at === 'string' ? p.at === at : at.test(p.at)) && message.test(p.message));
  expect(found, `no problem at ${String(at)} matching ${message} in ${JSON.stringify(problems, null, 1)}`).to.not.equal(undefined);
  if (code !== undefined) expect(found!.rule).to.equal(code);
}

const extraAt = defaultRuleset.rules.length; // index of the first added rule

describe('ruleset validator', () => {
  it('accepts the default ruleset, in the form POST takes and in the form GET live answers', () => {
    expect(validateRuleset(base()).ok).to.equal(true);
    expect(validateRuleset(defaultRuleset).ok).to.equal(true);
    expect(validateRuleset(JSON.parse(JSON.stringify(defaultRuleset))).ok).to.equal(true);
  });

  it('fills in the default policy when none is given', () => {
    const v = validateRuleset(base());
    expect(v.ok && v.ruleset.policy).to.deep.equal(defaultRuleset.policy);
  });

  it('the zod schemas (OpenAPI) describe the same shape', () => {
    rulesetDraftSchema.parse(base());
    rulesetSchema.parse(defaultRuleset);
  });

  it('accepts 200 generated rules over every field and op, and they compile', () => {
    const rs = base();
    rs.rules.push(...generatedRules(200));
    const v = validateRuleset(rs);
    expect(v.ok, JSON.stringify(!v.ok && v.problems.slice(0, 5))).to.equal(true);
    compileRuleset({ ...(rs as never as typeof defaultRuleset), version: 'test' });
    rulesetDraftSchema.parse(rs);
  });

  describe('names each bad rule and why', () => {
    it('an unknown field', () => {
      expectProblem(problemsWith(rule({ when: { field: 'order.amout', op: 'gt', value: 1 } })), `rules[${extraAt}].when.field`, /unknown field order\.amout/, 'TEST_RULE');
      expectProblem(problemsWith(rule({ when: { field: 'feature.nope', op: 'eq', value: true } })), /when\.field$/, /unknown field feature\.nope/);
    });

    it('a field that is personal data, with what to use instead', () => {
      const problems = problemsWith(
        rule({ when: { field: 'order.customer.email', op: 'contains', value: 'mailinator' } }),
        rule({ code: 'IP_RULE', when: { any: [{ field: 'order.device.ip', op: 'eq', value: '1.2.3.4' }] } }),
        rule({ code: 'STREET', when: { field: 'order.shippingAddress.line1', op: 'exists' } }),
      );
      expectProblem(problems, `rules[${extraAt}].when.field`, /personal data.*feature\.disposableEmail/, 'TEST_RULE');
      expectProblem(problems, `rules[${extraAt + 1}].when.any[0].field`, /personal data/, 'IP_RULE');
      expectProblem(problems, `rules[${extraAt + 2}].when.field`, /personal data/, 'STREET');
    });

    it('an op that does not fit the type: gt on text, contains on a number, gt on a boolean, contains on an enumeration', () => {
      const problems = problemsWith(
        rule({ code: 'A', when: { field: 'order.payment.card.country', op: 'gt', value: 'US' } }),
        rule({ code: 'B', when: { field: 'order.amount', op: 'contains', value: '5' } }),
        rule({ code: 'C', when: { field: 'feature.isProxy', op: 'gt', value: 0 } }),
        rule({ code: 'D', when: { field: 'order.payment.avsResult', op: 'contains', value: 'mis' } }),
        rule({ code: 'E', when: { field: 'order.amount', op: 'between', value: 5 } }),
      );
      expectProblem(problems, /when\.op$/, /gt does not apply to order\.payment\.card\.country, a string/, 'A');
      expectProblem(problems, /when\.op$/, /contains does not apply to order\.amount, a number/, 'B');
      expectProblem(problems, /when\.op$/, /gt does not apply to feature\.isProxy, a boolean/, 'C');
      expectProblem(problems, /when\.op$/, /takes only the values .*use eq or in/, 'D');
      expectProblem(problems, /when\.op$/, /op is one of eq, ne/, 'E');
    });

    it('a value of the wrong type or never taken', () => {
      const problems = problemsWith(
        rule({ code: 'A', when: { field: 'order.amount', op: 'gte', value: '500' } }),
        rule({ code: 'B', when: { field: 'order.payment.avsResult', op: 'eq', value: 'mismtach' } }),
        rule({ code: 'C', when: { field: 'order.shippingAddress.country', op: 'in', value: ['US', 'gb'] } }),
        rule({ code: 'D', when: { field: 'feature.isProxy', op: 'eq', value: 'true' } }),
        rule({ code: 'E', when: { field: 'order.amount', op: 'eq', value: 10.5 } }),
        rule({ code: 'F', when: { field: 'order.amount', op: 'in', value: [] } }),
        rule({ code: 'G', when: { field: 'order.amount', op: 'gte' } }),
        rule({ code: 'H', when: { field: 'order.amount', op: 'eq', value: [1, 2] } }),
        rule({ code: 'I', when: { field: 'order.amount', op: 'exists', value: 3 } }),
      );
      expectProblem(problems, /when\.value$/, /order\.amount is a number: compare it with a number, not string "500"/, 'A');
      expectProblem(problems, /when\.value$/, /never "mismtach": it is one of match, partial/, 'B');
      expectProblem(problems, /when\.value\[1\]$/, /never "gb"/, 'C');
      expectProblem(problems, /when\.value$/, /is a boolean/, 'D');
      expectProblem(problems, /when\.value$/, /never 10\.5/, 'E');
      expectProblem(problems, /when\.value$/, /non-empty list/, 'F');
      expectProblem(problems, /when\.value$/, /gte needs a value/, 'G');
      expectProblem(problems, /when\.value$/, /not a list \(use in\)/, 'H');
      expectProblem(problems, /when\.value$/, /exists takes no value, or true \/ false/, 'I');
    });

    it('a bad code: not UPPER_SNAKE, missing, or a duplicate', () => {
      const problems = problemsWith(
        rule({ code: 'lower_case' }),
        rule({ code: 'DOUBLE__UNDERSCORE' }),
        rule({ code: undefined }),
        rule({ code: 'HIGH_VALUE' }),
        rule({ code: 'DUPLICATE_DOCUMENT' }),
      );
      expectProblem(problems, `rules[${extraAt}].code`, /"lower_case" is not UPPER_SNAKE/);
      expectProblem(problems, `rules[${extraAt + 1}].code`, /not UPPER_SNAKE/);
      expectProblem(problems, `rules[${extraAt + 2}].code`, /code is required/);
      expectProblem(problems, `rules[${extraAt + 3}].code`, /duplicate code: rules\[\d+\] is HIGH_VALUE too/, 'HIGH_VALUE');
      expectProblem(problems, `rules[${extraAt + 4}].code`, /duplicate code: rules\[\d+\] is DUPLICATE_DOCUMENT too/, 'DUPLICATE_DOCUMENT');
    });

    it('points that are not a whole number, or out of bounds', () => {
      const problems = problemsWith(rule({ code: 'A', points: 2.5 }), rule({ code: 'B', points: '5' }), rule({ code: 'C', points: 1000 }));
      expectProblem(problems, /points$/, /whole number, not number 2\.5/, 'A');
      expectProblem(problems, /points$/, /whole number, not string "5"/, 'B');
      expectProblem(problems, /points$/, /between -100 and 100/, 'C');
    });

    it('an unknown document kind, or one asked twice', () => {
      const problems = problemsWith(rule({ code: 'A', requests: ['passport'] }), rule({ code: 'B', requests: ['identity', 'identity'] }), rule({ code: 'C', requests: 'identity' }));
      expectProblem(problems, /requests\[0\]$/, /unknown document kind string "passport" \(one of identity, address, payment_ownership\)/, 'A');
      expectProblem(problems, /requests\[1\]$/, /requested twice/, 'B');
      expectProblem(problems, /requests$/, /list of document kinds/, 'C');
    });

    it('other mistakes in a rule: no description, no when, unknown properties, a bad action', () => {
      const problems = problemsWith(rule({ code: 'A', description: ' ' }), rule({ code: 'B', when: undefined }), rule({ code: 'C', weight: 3 }), rule({ code: 'D', action: 'reject' }), 'RULE');
      expectProblem(problems, /description$/, /description is required/, 'A');
      expectProblem(problems, /when$/, /when is required/, 'B');
      expectProblem(problems, /weight$/, /unknown property "weight"/, 'C');
      expectProblem(problems, /action$/, /one of approve, review, verify, block/, 'D');
      expectProblem(problems, `rules[${extraAt + 4}]`, /a rule is an object/);
    });

    it('malformed conditions: empty all, two kinds at once, not an object', () => {
      const problems = problemsWith(
        rule({ code: 'A', when: { all: [] } }),
        rule({ code: 'B', when: { any: [{ field: 'order.amount', op: 'gt', value: 1 }], not: { field: 'order.amount', op: 'gt', value: 1 } } }),
        rule({ code: 'C', when: [1] }),
      );
      expectProblem(problems, /when\.all$/, /non-empty list/, 'A');
      expectProblem(problems, /when$/, /one of all, any, not or a comparison/, 'B');
      expectProblem(problems, /when$/, /a condition is an object/, 'C');
    });

    it('details: unknown fields, personal data, unknown formatters, unbalanced braces', () => {
      const problems = problemsWith(
        rule({ code: 'A', detail: 'total {order.amont|money}' }),
        rule({ code: 'B', detail: 'sent to {order.customer.email}' }),
        rule({ code: 'C', detail: '{order.amount|euros}' }),
        rule({ code: 'D', detail: 'open { brace' }),
        rule({ code: 'E', detail: '{order.payment.avsResult|money}' }),
        rule({ code: 'F', detail: [{ when: { field: 'nope', op: 'exists' }, text: 'x' }] }),
      );
      expectProblem(problems, /detail$/, /unknown field order\.amont/, 'A');
      expectProblem(problems, /detail$/, /cannot be quoted: personal data/, 'B');
      expectProblem(problems, /detail$/, /unknown formatter "euros"/, 'C');
      expectProblem(problems, /detail$/, /never closed/, 'D');
      expectProblem(problems, /detail$/, /money formats a number, order\.payment\.avsResult is a string/, 'E');
      expectProblem(problems, /detail\[0\]\.when\.field$/, /unknown field nope/, 'F');
    });

    it('the lists rules are required, with their when and action', () => {
      const rs = base();
      rs.rules = (rs.rules as RuleData[]).filter((r) => r.code !== 'BLOCKLIST_HIT').map((r) => (r.code === 'ALLOWLIST_HIT' ? { ...r, action: 'verify' } : r));
      const v = validateRuleset(rs);
      expect(v.ok).to.equal(false);
      const problems = v.ok ? [] : v.problems;
      expectProblem(problems, 'rules', /BLOCKLIST_HIT is required: a block-list hit rejects the order/, 'BLOCKLIST_HIT');
      expectProblem(problems, /^rules\[\d+\]$/, /ALLOWLIST_HIT must keep its "when" and its action "approve"/, 'ALLOWLIST_HIT');
      // Its points and words are the ruleset's own.
      const reworded = base();
      reworded.rules = (reworded.rules as RuleData[]).map((r) => (r.code === 'BLOCKLIST_HIT' ? { ...r, points: 90, description: 'Blocked' } : r));
      expect(validateRuleset(reworded).ok).to.equal(true);
    });

    it('DUPLICATE_DOCUMENT is required with its when (the check workflow applies it); its points are the ruleset\'s own', () => {
      const without = base();
      without.rules = (without.rules as RuleData[]).filter((r) => r.code !== 'DUPLICATE_DOCUMENT');
      const v = validateRuleset(without);
      expectProblem(v.ok ? [] : v.problems, 'rules', /DUPLICATE_DOCUMENT is required: the check workflow applies it/, 'DUPLICATE_DOCUMENT');
      const moved = base();
      moved.rules = (moved.rules as RuleData[]).map((r) =>
        r.code === 'DUPLICATE_DOCUMENT' ? { ...r, when: { field: 'feature.duplicateDocuments', op: 'gte', value: 2 } } : r,
      );
      const w = validateRuleset(moved);
      expectProblem(w.ok ? [] : w.problems, /^rules\[\d+\]$/, /DUPLICATE_DOCUMENT must keep its "when"/, 'DUPLICATE_DOCUMENT');
      const heavier = base();
      heavier.rules = (heavier.rules as RuleData[]).map((r) => (r.code === 'DUPLICATE_DOCUMENT' ? { ...r, points: 45 } : r));
      expect(validateRuleset(heavier).ok).to.equal(true);
    });
  });

  describe('bands', () => {
    const withBands = (bands: unknown) => {
      const v = validateRuleset({ ...base(), bands });
      return v.ok ? [] : v.problems;
    };
    const band = (name: string, min: number, max: number, action = 'verify') => ({ band: name, min, max, action });

    it('must cover 0–100 without gaps or overlaps', () => {
      expectProblem(withBands([band('low', 0, 24, 'approve'), band('medium', 30, 100)]), 'bands[1]', /scores 25–29 have no band/);
      expectProblem(withBands([band('low', 0, 30, 'approve'), band('medium', 25, 100)]), 'bands[1]', /overlaps bands\[0\] \(low\): scores 25–30 are in both/);
      expectProblem(withBands([band('low', 5, 100, 'approve')]), 'bands', /scores 0–4 have no band/);
      expectProblem(withBands([band('low', 0, 90, 'approve')]), 'bands', /scores 91–100 have no band/);
      expect(withBands([band('low', 0, 100, 'approve')])).to.deep.equal([]);
    });

    it('names, actions and numbers are checked; bands rise low < medium < high < critical', () => {
      expectProblem(withBands([band('lowest', 0, 100)]), 'bands[0].band', /one of low, medium, high, critical/);
      expectProblem(withBands([band('low', 0, 50, 'allow'), band('high', 51, 100)]), 'bands[0].action', /one of approve/);
      expectProblem(withBands([band('low', 0, 50.5), band('high', 51, 100)]), 'bands[0].max', /whole score/);
      expectProblem(withBands([band('low', 0, 50), band('low', 51, 100)]), 'bands[1].band', /appears twice/);
      expectProblem(withBands([band('high', 0, 50), band('low', 51, 100)]), 'bands[1]', /bands rise/);
      expectProblem(withBands([band('low', 60, 50), band('high', 51, 100)]), 'bands[0]', /min 60 is above max 50/);
      expectProblem(withBands([]), 'bands', /1 to 4 bands/);
    });
  });

  it('policy: checked when given', () => {
    const v = validateRuleset({ ...base(), policy: { block: { minHardSignals: -1 }, verify: { minDocumentShare: 2 }, alwaysRequest: ['selfie'] } });
    expect(v.ok).to.equal(false);
    const problems = v.ok ? [] : v.problems;
    expectProblem(problems, 'policy.block', /minHardSignals/);
    expectProblem(problems, 'policy.verify', /from 0 to 1/);
    expectProblem(problems, 'policy.alwaysRequest', /document kinds/);
  });

  describe('bounds', () => {
    it('conditions nested too deep are reported, not descended into', () => {
      let when: unknown = { field: 'order.amount', op: 'gt', value: 1 };
      for (let i = 0; i < bounds.depth; i++) when = { not: when };
      expect(problemsWith(rule({ when }))).to.deep.equal([]);
      expectProblem(problemsWith(rule({ when: { not: when } })), /not(\.not)*$/, /nested too deep: at most 8 levels/, 'TEST_RULE');
    });

    it('a hostile 100 000-deep condition is answered at once, without a stack overflow', () => {
      let when: unknown = { field: 'order.amount', op: 'gt', value: 1 };
      for (let i = 0; i < 100_000; i++) when = { any: [when] };
      const started = Date.now();
      expectProblem(problemsWith(rule({ when })), /any\[0\]/, /nested too deep/);
      expect(Date.now() - started).to.be.below(5_000); // generous: bounded work, not a speed test
    });

    it('too many conditions in one rule, too many rules, too many values', () => {
      const wide = { all: Array.from({ length: bounds.nodesPerRule + 5 }, () => ({ field: 'order.amount', op: 'gt', value: 1 })) };
      expectProblem(problemsWith(rule({ when: wide })), /when\.all\[\d+\]$/, /too many conditions: at most 64/);
      const many = base();
      many.rules = generatedRules(bounds.rules + 1);
      expectProblem(validateRuleset(many).ok ? [] : (validateRuleset(many) as { problems: Problem[] }).problems, 'rules', /at most 500 rules \(501 given\)/);
      const values = Array.from({ length: bounds.listItems + 1 }, (_, i) => i);
      expectProblem(problemsWith(rule({ when: { field: 'order.amount', op: 'in', value: values } })), /when\.value$/, /at most 200 values/);
    });

    it('at most MAX_PROBLEMS problems, however broken', () => {
      const rs = base();
      rs.rules = Array.from({ length: 400 }, () => ({ code: 'x', points: 0.5 }));
      const v = validateRuleset(rs);
      expect(v.ok).to.equal(false);
      expect((v as { problems: Problem[] }).problems).to.have.length(MAX_PROBLEMS);
    });

    it('anything that is not a ruleset', () => {
      for (const input of [null, 42, 'rules', [], { rules: 'all' }]) expect(validateRuleset(input).ok, JSON.stringify(input)).to.equal(false);
    });
  });

  it('compileRuleset refuses an invalid ruleset with the problems', () => {
    const rs = { ...structuredClone(defaultRuleset), bands: [] };
    expect(() => compileRuleset(rs)).to.throw(InvalidRulesetError, /bands/);
  });
});

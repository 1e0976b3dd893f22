/**
 * One table entry per rule (test/fixtures/scoringCases.ts): inputs on which it must fire
 * and inputs on which it must not. A guard test makes sure every rule of the ruleset
 * has an entry (and no stale ones).
 */
import { expect } from 'chai';
import { extractFeatures, isDisposableDomain, looksRandom } from '../../scoring/features';
import { defaultRuleset } from '../../scoring/engine';
import type { CompiledRule } from '../../scoring/compile';
import { ruleset } from '../../scoring/rules';
import type { ScoreInput } from '../../scoring/types';
import { make, minimal, ruleCases as cases, withVelocity } from '../fixtures/scoringCases';

const ruleOf = (code: string): CompiledRule => {
  const rule = defaultRuleset().rules.find((r) => r.code === code);
  if (!rule) throw new Error(`no rule ${code}`);
  return rule;
};

/** What the rules read: the order and its features. */
const facts = (input: ScoreInput) => ({ order: input.order, feature: extractFeatures(input) });

/** Everything personal in an input: must never appear in a reason detail. */
function pii(input: ScoreInput): string[] {
  const { customer, payment, billingAddress, shippingAddress, device } = input.order;
  return [
    customer.email,
    customer.email.split('@')[0],
    customer.name,
    customer.phone,
    customer.id,
    payment?.card?.last4,
    payment?.card?.bin,
    payment?.card?.fingerprint,
    device?.ip,
    device?.fingerprint,
    billingAddress?.line1,
    shippingAddress?.line1,
    shippingAddress?.postalCode,
  ].filter((s): s is string => s !== undefined && s.length > 2);
}

describe('scoring rules', () => {
  it('every rule has a test case, and every case a rule', () => {
    expect(Object.keys(cases).sort()).to.deep.equal(ruleset.rules.map((r) => r.code).sort());
  });

  it('rule codes are unique SCREAMING_SNAKE with a description, and points are integers', () => {
    const codes = ruleset.rules.map((r) => r.code);
    expect(new Set(codes).size).to.equal(codes.length);
    for (const r of ruleset.rules) {
      expect(r.code).to.match(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(r.description).to.be.a('string').and.not.empty;
      expect(Number.isInteger(r.points)).to.equal(true, r.code);
    }
  });

  it('any three hard signals (block list aside) reach the critical band on their own', () => {
    const [a, b, c] = ruleset.rules
      .filter((r) => r.hard && r.code !== 'BLOCKLIST_HIT')
      .map((r) => r.points)
      .sort((x, y) => x - y);
    const critical = ruleset.bands.find((t) => t.band === 'critical')!.min;
    expect(a + b + c).to.be.at.least(critical);
  });

  for (const [code, { fires, not }] of Object.entries(cases)) {
    describe(code, () => {
      fires.forEach((input, i) => {
        it(`fires (case ${i + 1})`, () => {
          const f = facts(input);
          const rule = ruleOf(code);
          expect(rule.when(f)).to.equal(true);
          const detail = rule.detail(f);
          expect(detail).to.be.a('string').and.not.empty;
          for (const secret of pii(input)) expect(detail).to.not.include(secret);
        });
      });
      not.forEach((input, i) => {
        it(`does not fire (case ${i + 1})`, () => {
          expect(ruleOf(code).when(facts(input))).to.equal(false);
        });
      });
    });
  }
});

describe('scoring features', () => {
  it('account age is measured against `now`, not the clock', () => {
    const f = extractFeatures(make((o) => (o.customer.accountCreatedAt = '2026-11-20T10:05:00Z')));
    expect(f.accountAgeDays).to.equal(4);
    expect(extractFeatures(minimal()).accountAgeDays).to.equal(null);
    // created "after" now (clock skew) counts as brand new, not negative
    expect(extractFeatures(make((o) => (o.customer.accountCreatedAt = '2026-11-25T00:00:00Z'))).accountAgeDays).to.equal(0);
  });

  it('looksRandom: digit runs, consonant runs, letter/digit alternation; ignores the +tag', () => {
    for (const s of ['u84629173', 'qwrtzpl', 'k3j4h5g6']) expect(looksRandom(s)).to.equal(true, s);
    for (const s of ['ann.lee', 'john.smith1985', 'maria_garcia', 'schwarz', 'ann+a1b2c3d4']) {
      expect(looksRandom(s)).to.equal(false, s);
    }
  });

  it('isDisposableDomain: exact and sub-domains, not look-alikes', () => {
    expect(isDisposableDomain('mailinator.com')).to.equal(true);
    expect(isDisposableDomain('x.guerrillamail.com')).to.equal(true);
    expect(isDisposableDomain('gmail.com')).to.equal(false);
    expect(isDisposableDomain('mailinator.com.example.org')).to.equal(false);
  });

  it('missing optional data is listed by group, and the feature record holds no PII', () => {
    const f = extractFeatures(minimal());
    expect(f.missingData).to.deep.equal(['payment', 'billing address', 'shipping address', 'device', 'account history']);
    const full = make();
    const json = JSON.stringify(extractFeatures(full));
    for (const secret of pii(full)) expect(json).to.not.include(secret);
  });

  it('velocity counts are kept per dimension and window', () => {
    const f = extractFeatures(withVelocity('shippingAddress', 2, 7));
    expect(f.velocity.shippingAddress).to.deep.equal({ hour: 2, day: 7, saturated: false });
    expect(f.velocity.card.hour).to.equal(0);
  });
});

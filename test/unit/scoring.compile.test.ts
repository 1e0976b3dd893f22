/** The condition language, the decision policy and detail templates, as the compiled ruleset evaluates them. */
import { expect } from 'chai';
import { compileRuleset } from '../../scoring/compile';
import { ruleset as defaultRuleset } from '../../scoring/rules';
import { allowlistRule, blocklistRule } from '../../scoring/listRules';
import { duplicateDocumentRule } from '../../scoring/documentRules';
import type { BandRange, Condition, Policy, RuleData } from '../../scoring/rulesetSchema';
import { emptyVelocity, type ScoreInput } from '../../scoring/types';
import { fixtureInputs, NOW } from '../fixtures/scoringInputs';

const clean = (): ScoreInput => structuredClone(fixtureInputs()[0].input);
const allApprove: BandRange[] = [{ band: 'low', min: 0, max: 100, action: 'approve' }];

const compile = (rules: RuleData[], bands: BandRange[] = allApprove, policy?: Policy) =>
  compileRuleset({ version: 't', rules: [blocklistRule, allowlistRule, duplicateDocumentRule, ...rules], bands, ...(policy ? { policy } : {}) });

const rule = (code: string, when: Condition, extra: Partial<RuleData> = {}): RuleData => ({ code, description: code, points: 10, when, ...extra });

/** Whether `when` holds for `input`. */
function holds(when: Condition, input: ScoreInput = clean()): boolean {
  return compile([rule('T', when)]).assess(input).reasons.some((r) => r.code === 'T');
}

describe('conditions', () => {
  it('compare numbers: eq ne gt gte lt lte in not_in', () => {
    const amount = clean().order.amount; // 12999
    const at = (op: string, value: unknown) => holds({ field: 'order.amount', op, value } as Condition);
    expect([at('eq', amount), at('ne', amount), at('gt', amount), at('gte', amount), at('lt', amount), at('lte', amount)]).to.deep.equal([
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
    expect([at('in', [1, amount]), at('not_in', [1, amount]), at('not_in', [1, 2])]).to.deep.equal([true, false, true]);
  });

  it('compare text and booleans; contains is a case-insensitive substring', () => {
    expect(holds({ field: 'order.payment.card.country', op: 'eq', value: 'US' })).to.equal(true);
    expect(holds({ field: 'order.currency', op: 'contains', value: 'us' })).to.equal(true);
    expect(holds({ field: 'order.currency', op: 'contains', value: 'eu' })).to.equal(false);
    expect(holds({ field: 'feature.isProxy', op: 'eq', value: false })).to.equal(true);
    expect(holds({ field: 'feature.isProxy', op: 'ne', value: true })).to.equal(true);
  });

  it('an absent value makes every comparison false, whatever the op; not of it is true; exists tests presence', () => {
    const input = clean();
    delete input.order.customer.accountCreatedAt; // feature.accountAgeDays is null
    delete input.order.device; // order.device.ipCountry is absent
    for (const field of ['feature.accountAgeDays', 'order.customer.previousOrders']) {
      if (field === 'order.customer.previousOrders') delete input.order.customer.previousOrders;
      for (const [op, value] of [['eq', 0], ['ne', 0], ['gt', -1], ['gte', 0], ['lt', 1000], ['lte', 1000], ['in', [0, 1]], ['not_in', [0, 1]]] as const) {
        expect(holds({ field, op, value } as Condition, input), `${field} ${op}`).to.equal(false);
      }
      expect(holds({ not: { field, op: 'eq', value: 0 } }, input)).to.equal(true);
      expect(holds({ field, op: 'exists' }, input)).to.equal(false);
      expect(holds({ field, op: 'exists', value: false }, input)).to.equal(true);
    }
    expect(holds({ field: 'order.device.ipCountry', op: 'ne', value: 'US' }, input)).to.equal(false);
    expect(holds({ field: 'feature.isProxy', op: 'eq', value: false }, input)).to.equal(false); // unknown is not "no proxy"
    expect(holds({ field: 'order.device.ipCountry', op: 'exists' })).to.equal(true);
  });

  it('a list field holds when any element does; exists on it: it has one; .count is its length', () => {
    const input = clean();
    input.order.items = [
      { category: 'tools', quantity: 1, unitAmount: 100 },
      { category: 'Books', quantity: 3, unitAmount: 200 },
      { quantity: 1, unitAmount: 300 },
    ];
    const at = (field: string, op: string, value?: unknown) => holds({ field, op, value } as Condition, input);
    expect(at('order.items[].category', 'eq', 'Books')).to.equal(true);
    expect(at('order.items[].category', 'ne', 'tools')).to.equal(true); // "Books" is not "tools"
    expect(at('order.items[].category', 'in', ['x', 'tools'])).to.equal(true);
    expect(at('order.items[].category', 'not_in', ['tools', 'Books'])).to.equal(false); // the third item has none
    expect(at('order.items[].category', 'contains', 'BOOK')).to.equal(true);
    expect(at('order.items[].quantity', 'gte', 3)).to.equal(true);
    expect(at('order.items[].quantity', 'gt', 3)).to.equal(false);
    expect(at('order.items[].category', 'exists')).to.equal(true);
    expect(at('order.items.count', 'eq', 3)).to.equal(true);
    input.order.items = [{ quantity: 1, unitAmount: 300 }];
    expect(at('order.items[].category', 'exists')).to.equal(false);
    expect(at('order.items[].category', 'exists', false)).to.equal(true);
    expect(at('feature.riskyCategories', 'exists')).to.equal(false);
    expect(at('feature.missingData.count', 'eq', 0)).to.equal(true);
  });

  it('all, any and not combine', () => {
    const yes: Condition = { field: 'order.amount', op: 'gt', value: 0 };
    const no: Condition = { field: 'order.amount', op: 'lt', value: 0 };
    expect([holds({ all: [yes, yes, yes] }), holds({ all: [yes, no] }), holds({ all: [yes, yes, no] })]).to.deep.equal([true, false, false]);
    expect([holds({ any: [no, no, yes] }), holds({ any: [no, no] }), holds({ any: [no, no, no] })]).to.deep.equal([true, false, false]);
    expect([holds({ not: no }), holds({ not: { any: [no, yes] } }), holds({ all: [yes] }), holds({ any: [no] })]).to.deep.equal([true, false, true, false]);
  });
});

describe('decision policy', () => {
  const bands: BandRange[] = [
    { band: 'low', min: 0, max: 24, action: 'approve' },
    { band: 'medium', min: 25, max: 49, action: 'verify' },
    { band: 'high', min: 50, max: 74, action: 'review' },
    { band: 'critical', min: 75, max: 100, action: 'block' },
  ];
  const always: Condition = { field: 'order.amount', op: 'gte', value: 0 };
  const run = (rules: RuleData[], policy?: Policy, input = clean()) => compile(rules, bands, policy).assess(input);

  it("the band's action, by range", () => {
    expect(run([rule('A', always, { points: 24 })])).to.include({ score: 24, band: 'low', action: 'approve' });
    expect(run([rule('A', always, { points: 25, requests: ['address'] })])).to.include({ score: 25, band: 'medium', action: 'verify' });
    expect(run([rule('A', always, { points: 60 })])).to.include({ score: 60, band: 'high', action: 'review' });
  });

  it('the score is the clamped sum of the points', () => {
    expect(run([rule('A', always, { points: 80 }), rule('B', always, { points: 90, hard: true }), rule('C', always, { points: 5, hard: true })]).score).to.equal(100);
    expect(run([rule('A', always, { points: -60 })]).score).to.equal(0);
  });

  it('a block band blocks only with minHardSignals hard rules fired; otherwise it verifies (or reviews)', () => {
    const soft = [rule('A', always, { points: 50, requests: ['identity'] }), rule('B', always, { points: 30, hard: true })];
    expect(run(soft)).to.include({ band: 'critical', action: 'verify' });
    expect(run([...soft.slice(0, 1), rule('B', always, { points: 30 })])).to.include({ action: 'verify' });
    expect(run([rule('A', always, { points: 50, hard: true }), rule('B', always, { points: 30, hard: true })])).to.include({ action: 'block' });
    expect(run(soft, { block: { minHardSignals: 1 }, verify: { minDocumentShare: 0.5 }, alwaysRequest: [] })).to.include({ action: 'block' });
    expect(run([rule('A', always, { points: 30 }), rule('B', always, { points: 50, hard: true })])).to.include({ action: 'review' });
  });

  it('a verify band verifies only when rules with requests carry minDocumentShare of the positive points', () => {
    const half = [rule('A', always, { points: 15, requests: ['address'] }), rule('B', always, { points: 15 }), rule('C', always, { points: -5 })];
    expect(run(half)).to.include({ action: 'verify' });
    expect(run(half, { block: { minHardSignals: 2 }, verify: { minDocumentShare: 0.51 }, alwaysRequest: ['identity'] })).to.include({ action: 'review' });
  });

  it('requested: alwaysRequest plus the fired rules’ requests, in canonical order; none unless verify', () => {
    const rules = [rule('A', always, { points: 20, requests: ['payment_ownership'] }), rule('B', always, { points: 10, requests: ['address', 'payment_ownership'] })];
    expect(run(rules).requested).to.deep.equal(['identity', 'address', 'payment_ownership']);
    expect(run(rules, { block: { minHardSignals: 2 }, verify: { minDocumentShare: 0 }, alwaysRequest: [] }).requested).to.deep.equal(['address', 'payment_ownership']);
    expect(run([rule('A', always, { points: 10, requests: ['address'] })]).requested).to.deep.equal([]);
  });

  it('rules with an action decide whatever the score, the strictest first', () => {
    const rules = [rule('VIP', always, { points: 0, action: 'approve' }), rule('BIG', always, { points: 80, hard: true }), rule('BIGGER', always, { points: 10, hard: true })];
    expect(run(rules)).to.include({ score: 90, action: 'approve' });
    expect(run([...rules, rule('CHECK', always, { points: 0, action: 'verify' })])).to.include({ action: 'verify' });
    expect(run([...rules, rule('CHECK', always, { points: 0, action: 'verify' }), rule('LOOK', always, { points: 0, action: 'review' })])).to.include({ action: 'review' });
  });

  it('the lists: a block-list hit blocks with BLOCKLIST_HIT; an allow-list hit without one approves with ALLOWLIST_HIT', () => {
    const data = compileRuleset(defaultRuleset);
    const fraud = structuredClone(fixtureInputs()[2].input);
    expect(data.assess(fraud).action).to.equal('block');
    const allowed = data.assess({ ...fraud, allowlistHits: ['email'] });
    expect(allowed.action).to.equal('approve'); // whatever the score: its other reasons still show
    expect(data.assess({ ...structuredClone(fixtureInputs()[1].input), allowlistHits: ['email'] })).to.include({ action: 'approve', score: 0, band: 'low' });
    expect(allowed.reasons.find((r) => r.code === 'ALLOWLIST_HIT')).to.deep.equal({ code: 'ALLOWLIST_HIT', points: -100, detail: 'on the allow list: email address' });
    const both = data.assess({ ...clean(), allowlistHits: ['customer_id'], blocklistHits: ['card'] });
    expect(both.action).to.equal('block');
    expect(both.reasons.map((r) => r.code)).to.include('BLOCKLIST_HIT').and.not.include('ALLOWLIST_HIT');
    expect(both.reasons.find((r) => r.code === 'BLOCKLIST_HIT')!.detail).to.equal('on the block list: card');
  });

  it('reasons: highest points first, ties by code, with their details', () => {
    const rules = [rule('B_RULE', always, { points: 5 }), rule('A_RULE', always, { points: 5 }), rule('C_RULE', always, { points: 7, detail: 'seven' })];
    expect(run(rules).reasons).to.deep.equal([
      { code: 'C_RULE', points: 7, detail: 'seven' },
      { code: 'A_RULE', points: 5, detail: 'A_RULE' },
      { code: 'B_RULE', points: 5, detail: 'B_RULE' },
    ]);
  });
});

describe('prior outcomes (default ruleset)', () => {
  const data = compileRuleset(defaultRuleset);

  it('an identifier seen on a chargeback or confirmed fraud raises the score with a reason that says so', () => {
    const input: ScoreInput = { ...clean(), priorOutcomes: { card: { chargeback: 2, fraudConfirmed: 0 }, email: { chargeback: 0, fraudConfirmed: 1 } } };
    const a = data.assess(input);
    expect(a.reasons).to.deep.include({ code: 'PRIOR_CHARGEBACK_CARD', points: 35, detail: '2 earlier orders with this card with a chargeback' });
    expect(a.reasons).to.deep.include({ code: 'PRIOR_FRAUD_EMAIL', points: 35, detail: '1 earlier order with this email address confirmed as fraud' });
    expect(a.score).to.be.greaterThan(data.assess(clean()).score);
    expect(a.action).to.equal('review'); // documents cannot clear a chargeback; two hard signals, not critical
  });

  it('every prior-outcome rule fires on its own identifier only', () => {
    for (const outcome of ['chargeback', 'fraudConfirmed'] as const) {
      for (const dim of ['card', 'email', 'device', 'shippingAddress'] as const) {
        const codes = data.assess({ ...clean(), priorOutcomes: { [dim]: { chargeback: 0, fraudConfirmed: 0, [outcome]: 1 } } }).reasons.map((r) => r.code);
        const prior = codes.filter((c) => c.startsWith('PRIOR_'));
        const name = dim === 'shippingAddress' ? 'SHIPPING_ADDRESS' : dim.toUpperCase();
        expect(prior).to.deep.equal([`PRIOR_${outcome === 'chargeback' ? 'CHARGEBACK' : 'FRAUD'}_${name}`]);
      }
    }
    expect(data.assess({ ...clean(), priorOutcomes: {} }).reasons.some((r) => r.code.startsWith('PRIOR_'))).to.equal(false);
  });
});

describe('detail templates', () => {
  const detail = (text: string, input: ScoreInput = clean()) =>
    compile([rule('T', { field: 'order.amount', op: 'gte', value: 0 }, { detail: text })]).assess(input).reasons.find((r) => r.code === 'T')!.detail;

  it('quote fields and numbers through formatters', () => {
    const input = clean();
    input.order.customer.accountCreatedAt = NOW;
    input.order.payment!.threeDSecure = 'not_enrolled';
    input.velocity = { ...emptyVelocity(), card: { hour: 1, day: 4 } };
    expect(detail('{order.amount|money} and {50000|money}', input)).to.equal('$129.99 and $500.00');
    expect(detail('{feature.velocity.card.hour|count:earlier order}, {feature.velocity.card.day|count:earlier order}', input)).to.equal('1 earlier order, 4 earlier orders');
    expect(detail('created {feature.accountAgeDays|ago}', input)).to.equal('created today');
    expect(detail('3-D Secure {order.payment.threeDSecure|words}', input)).to.equal('3-D Secure not enrolled');
    expect(detail('{feature.isProxy} / {feature.disposableEmail}', input)).to.equal('no / no');
  });

  it('without a detail (or a case that holds), the description, as it is', () => {
    const always: Condition = { field: 'order.amount', op: 'gte', value: 0 };
    const a = compile([
      rule('A', always, { description: 'Orders of {any} size' }),
      rule('B', always, { description: 'B fired', detail: [{ when: { field: 'order.amount', op: 'lt', value: 0 }, text: 'never' }] }),
    ]).assess(clean());
    expect(a.reasons.map((r) => r.detail)).to.deep.equal(['Orders of {any} size', 'B fired']);
  });

  it('absent values read "unknown", lists join, braces escape', () => {
    const input = clean();
    delete input.order.device;
    input.order.items = [
      { category: 'tools', quantity: 1, unitAmount: 1 },
      { category: 'books', quantity: 1, unitAmount: 1 },
    ];
    expect(detail('IP in {feature.ipCountry}; {order.items[].category}; {feature.riskyCategories}', input)).to.equal('IP in unknown; tools, books; none');
    expect(detail('{{literal}} {feature.missingData}', input)).to.equal('{literal} device');
    expect(detail('{feature.accountAgeDays|ago}', { ...input, order: { ...input.order, customer: { email: 'a@example.com' } } })).to.equal('0 days ago');
  });
});

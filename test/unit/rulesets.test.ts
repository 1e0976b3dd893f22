/** The rulesets' pure parts: periods of reports, days of records, and the console's readable diff. */
import { expect } from 'chai';
import { periodOf, MAX_PERIOD_DAYS, RulesetRefusal } from '../../app/rulesets';
import { daysBetween } from '../../app/rulesetStore';
import { ruleset } from '../../scoring/rules';
import type { RuleData } from '../../scoring';

interface Diff {
  added: { code: string; points: number; condition: string }[];
  removed: { code: string }[];
  changed: { code: string; changes: { what: string; from: string; to: string }[] }[];
  moved: boolean;
  bands: { from: string[]; to: string[] } | null;
  empty: boolean;
}
type DiffModule = { rulesetDiff(a: unknown, b: unknown): Diff; conditionText(c: unknown): string };

describe('rulesets: periods, days, diff', () => {
  let diff: DiffModule;
  before(async () => {
    diff = (await import('../../web/review/rulesDiff.js' as string)) as DiffModule;
  });

  it('takes a period of at most 92 days, the last 30 by default, and refuses a reversed one', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    const d = periodOf({}, now);
    expect(d.to.toISOString()).to.equal('2026-12-02T12:00:00.000Z');
    expect(d.from.toISOString()).to.equal('2026-11-02T12:00:00.000Z');
    expect(() => periodOf({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, now)).to.throw(RulesetRefusal).with.property('code', 'invalid_request');
    const tooLong = new Date(now - (MAX_PERIOD_DAYS + 1) * 86_400_000).toISOString();
    expect(() => periodOf({ from: tooLong }, now)).to.throw(RulesetRefusal);
    expect(periodOf({ from: new Date(now - MAX_PERIOD_DAYS * 86_400_000).toISOString() }, now).from.getTime()).to.equal(now - MAX_PERIOD_DAYS * 86_400_000);
  });

  it('reads a period a UTC day at a time, both ends included', () => {
    expect(daysBetween(new Date('2026-11-30T23:00:00Z'), new Date('2026-12-02T00:30:00Z'))).to.deep.equal(['2026-11-30', '2026-12-01', '2026-12-02']);
    expect(daysBetween(new Date('2026-12-02T10:00:00Z'), new Date('2026-12-02T11:00:00Z'))).to.deep.equal(['2026-12-02']);
  });

  it('writes conditions as text', () => {
    expect(diff.conditionText({ all: [{ field: 'order.amount', op: 'gte', value: 50000 }, { not: { field: 'feature.isProxy', op: 'eq', value: true } }] })).to.equal(
      'order.amount ≥ 50000 and not feature.isProxy = true',
    );
    expect(diff.conditionText({ any: [{ field: 'a', op: 'in', value: ['x', 'y'] }, { all: [{ field: 'b', op: 'exists' }, { field: 'c', op: 'lt', value: 1 }] }] })).to.equal(
      'a in ["x", "y"] or (b exists and c < 1)',
    );
  });

  it('says what changed between two versions, rule by rule', () => {
    const a = structuredClone(ruleset);
    expect(diff.rulesetDiff(a, structuredClone(ruleset)).empty).to.equal(true);
    const b = structuredClone(ruleset);
    const extra: RuleData = { code: 'EXTRA', description: 'x', points: 40, when: { field: 'order.amount', op: 'eq', value: 13579 } };
    b.rules.push(extra);
    const first = b.rules[0];
    first.points += 5;
    const dropped = b.rules.splice(1, 1)[0];
    b.bands = b.bands.map((band) => (band.band === 'medium' ? { ...band, action: 'review' as const } : band));
    const d = diff.rulesetDiff(a, b);
    expect(d.empty).to.equal(false);
    expect(d.added).to.deep.equal([{ code: 'EXTRA', points: 40, description: 'x', condition: 'order.amount = 13579' }]);
    expect(d.removed.map((r) => r.code)).to.deep.equal([dropped.code]);
    expect(d.changed).to.deep.equal([{ code: first.code, changes: [{ what: 'points', from: String(first.points - 5), to: String(first.points) }] }]);
    expect(d.moved).to.equal(false);
    expect(d.bands!.to.join(';')).to.contain('medium 25–49: review');
  });
});

/** The lists' pure parts: normal forms, hints, an order's values, CSV import plans. */
import { expect } from 'chai';
import { listHint, listTypes, normaliseListValue, orderListValues, type ListType } from '../../domain/lists';
import { planImport } from '../../app/listsCsv';
import { orderSchema } from '../../domain/order';
import { cleanOrder } from '../fixtures/orders';

const norm = (type: ListType, value: unknown) => {
  const n = normaliseListValue(type, value);
  if (!n.ok) throw new Error(n.problem);
  return n.value;
};

describe('lists (pure)', () => {
  it('normalises what should match to one form', () => {
    expect(norm('email', ' Ann.Lee@Example.COM ')).to.equal(norm('email', 'ann.lee@example.com'));
    expect(norm('email_domain', '@Example.com')).to.equal('example.com');
    expect(norm('ip', '2001:DB8:0:0:0:0:0:1')).to.equal(norm('ip', '2001:db8::1'));
    expect(norm('ip', '203.0.113.9')).to.equal('203.0.113.9');
    expect(norm('phone', '+1 (555) 123-4567')).to.equal('+15551234567');
    expect(norm('shipping_address', { line1: '1  Main St', postalCode: '787 01', country: 'us', city: 'ignored' })).to.equal(
      norm('shipping_address', { line1: '1 main st', postalCode: '78701', country: 'US' }),
    );
    expect(norm('card_fingerprint', 'fp_A')).not.to.equal(norm('card_fingerprint', 'fp_a'));
  });

  it('refuses values that cannot be of their type, saying why', () => {
    const bad: Array<[ListType, unknown]> = [
      ['email', 'no-at-sign'],
      ['email_domain', 'not a domain'],
      ['card_bin', '12345'],
      ['card_bin', '123456789'],
      ['ip', '256.0.0.1'],
      ['phone', 'call me'],
      ['shipping_address', '1 Main St'],
      ['shipping_address', { line1: '1 Main St' }],
      ['device', ''],
      ['device', 42],
      ['customer_id', 'x'.repeat(201)],
    ];
    for (const [type, value] of bad) {
      const n = normaliseListValue(type, value);
      expect(n.ok, `${type} ${JSON.stringify(value)}`).to.equal(false);
      if (!n.ok) expect(n.problem).to.be.a('string').and.not.include(String(value).slice(0, 8) || '\u0000');
    }
  });

  it('hints show enough to recognise a value, never all of it', () => {
    const samples: Array<[ListType, unknown, string]> = [
      ['email', 'john.smith@example.com', 'j***@example.com'],
      ['email_domain', 'mailinator.com', 'ma***.com'],
      ['card_bin', '41111122', '4111****'],
      ['ip', '203.0.113.9', '203.0.*.*'],
      ['ip', '2001:db8::1', '2001:***'],
      ['phone', '+15551234567', '***567'],
      ['card_fingerprint', 'fp_9f8e7d6c', '***7d6c'],
      ['shipping_address', { line1: '1 Main St', postalCode: '78701', country: 'US' }, '*** 78*** US'],
    ];
    for (const [type, value, hint] of samples) {
      const n = norm(type, value);
      expect(listHint(type, n), type).to.equal(hint);
      expect(hint).not.to.equal(n);
    }
    // Short values still keep most of themselves hidden.
    for (const type of ['device', 'customer_id', 'card_fingerprint'] as const) expect(listHint(type, 'abc')).to.equal('***c');
  });

  it("finds every list type's value in an order, BIN prefixes included", () => {
    const o = orderSchema.parse({ ...cleanOrder(), customer: { ...cleanOrder().customer, phone: '+1 555 123 4567' } });
    const values = orderListValues({ ...o, payment: { ...o.payment, card: { ...o.payment!.card, bin: '41111122' } } });
    const types = new Set(values.map((v) => v.type));
    for (const t of listTypes) expect(types.has(t), t).to.equal(true);
    expect(values.filter((v) => v.type === 'card_bin').map((v) => v.value)).to.deep.equal(['411111', '4111112', '41111122']);
    const sparse = orderListValues(orderSchema.parse({ orderId: 'o1', amount: 1, currency: 'USD', customer: { email: 'a@b.example' }, items: [{ sku: 's', name: 'n', quantity: 1, unitAmount: 1 }] }));
    expect(sparse.map((v) => v.type)).to.deep.equal(['email', 'email_domain']);
  });

  describe('CSV import plan', () => {
    it('reads good rows (addresses as line1|postalCode|country or JSON)', () => {
      const plan = planImport(
        [
          'list,type,value,reason,expiresAt',
          'block,email,a@b.example,ring,',
          'allow,shipping_address,1 Main St|78701|US,vip,2099-01-01T00:00:00Z',
          'block,shipping_address,"{""line1"":""2 Main St"",""country"":""US""}",ring,',
        ].join('\n'),
      );
      expect(plan.ok).to.equal(true);
      if (plan.ok) {
        expect(plan.rows.map((r) => [r.line, r.list, r.entry.type])).to.deep.equal([
          [2, 'block', 'email'],
          [3, 'allow', 'shipping_address'],
          [4, 'block', 'shipping_address'],
        ]);
      }
    });

    it('names every bad row (by line) and why, never its value; a bad header is line 1', () => {
      const plan = planImport(['list,type,value,reason', 'grey,email,a@b.example,x', 'block,email,secret-not-an-email,x', 'block,card_bin,4111,x', 'block,email,c@d.example,'].join('\n'));
      expect(plan.ok).to.equal(false);
      if (!plan.ok) {
        expect(plan.problems.map((p) => p.line)).to.deep.equal([2, 3, 4, 5]);
        expect(JSON.stringify(plan.problems)).not.to.include('secret-not-an-email');
      }
      const header = planImport('type,value\nemail,a@b.example');
      expect(header.ok).to.equal(false);
      if (!header.ok) expect(header.problems[0].line).to.equal(1);
    });

    it('is bounded: too many rows or bytes are refused before any row is read', () => {
      const rows = Array.from({ length: 10_001 }, (_, i) => `block,email,u${i}@b.example,x`);
      const plan = planImport(['list,type,value,reason', ...rows].join('\n'));
      expect(plan.ok).to.equal(false);
      if (!plan.ok) expect(plan.problems[0].problem).to.include('more than 10000 rows');
      const big = planImport(`list,type,value,reason\n${'x'.repeat(6 * 1024 * 1024)}`);
      expect(big.ok).to.equal(false);
    });
  });
});

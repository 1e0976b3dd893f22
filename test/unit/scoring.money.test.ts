/** Amounts in reason details read as money ("$1,899.00"), in the currency's own decimals. */
import { expect } from 'chai';
import type { Order } from '../../domain/order';
import { assess } from '../../scoring/engine';
import { currencyDigits, formatMoney } from '../../scoring/money';
import { ruleset } from '../../scoring/rules';
import { emptyVelocity, type ScoreInput } from '../../scoring/types';

describe('formatMoney', () => {
  it('formats minor units with the currency’s own exponent', () => {
    expect(formatMoney(189900, 'USD')).to.equal('$1,899.00');
    expect(formatMoney(50000, 'USD')).to.equal('$500.00');
    expect(formatMoney(12999, 'EUR')).to.equal('€129.99');
    expect(formatMoney(5, 'GBP')).to.equal('£0.05');
    expect(formatMoney(0, 'USD')).to.equal('$0.00');
    // Zero-decimal and three-decimal currencies.
    expect(formatMoney(189900, 'JPY')).to.equal('¥189,900');
    // (ICU separates a currency code from the number with a no-break space.)
    expect(formatMoney(1234567, 'BHD')).to.match(/^BHD\s1,234\.567$/);
  });

  it('knows the exponents it uses', () => {
    expect(currencyDigits('USD')).to.equal(2);
    expect(currencyDigits('JPY')).to.equal(0);
    expect(currencyDigits('KWD')).to.equal(3);
    expect(currencyDigits('US')).to.equal(undefined);
  });

  it('shows an amount of a code Intl refuses as it came, rather than throwing', () => {
    expect(formatMoney(100, 'U$')).to.equal('100 U$ minor units');
  });
});

describe('reason details with amounts', () => {
  /** A first order on a new account, no 3-D Secure, electronics: every amount rule fires. */
  const input = (amount: number, currency: string): ScoreInput => {
    const order: Order = {
      orderId: 'ord_money',
      placedAt: '2026-11-24T10:00:00Z',
      amount,
      currency,
      customer: { email: 'ann.lee@example.com', accountCreatedAt: '2026-11-23T10:00:00Z', previousOrders: 0 },
      payment: { method: 'card', card: { country: 'US' }, avsResult: 'match', cvvResult: 'match', threeDSecure: 'not_performed' },
      items: [{ sku: 'tv', name: 'TV', category: 'electronics', quantity: 1, unitAmount: amount }],
    };
    return { order, velocity: emptyVelocity(), blocklistHits: [], now: '2026-11-24T10:05:00Z' };
  };
  const details = (i: ScoreInput) => Object.fromEntries(assess(i).reasons.map((r) => [r.code, r.detail]));

  it('say money in the order’s currency, thresholds included', () => {
    const d = details(input(189900, 'USD'));
    expect(d.HIGH_VALUE).to.equal('order total $1,899.00 (at least $500.00)');
    expect(d.FIRST_ORDER_HIGH_VALUE).to.equal('first order, total $1,899.00 (at least $250.00)');
    expect(d.RISKY_CATEGORY).to.equal('electronics worth $1,899.00');
    expect(d.NO_3DS_HIGH_VALUE).to.equal('3-D Secure not performed on $1,899.00');
    expect(details(input(250000, 'EUR')).VERY_HIGH_VALUE).to.equal('order total €2,500.00 (at least €2,000.00)');
  });

  it('use no decimals for a zero-decimal currency (the limits are minor units, compared as-is)', () => {
    const d = details(input(189900, 'JPY'));
    expect(d.HIGH_VALUE).to.equal('order total ¥189,900 (at least ¥50,000)');
    expect(d.RISKY_CATEGORY).to.equal('electronics worth ¥189,900');
  });

  it('never say "minor units" for a valid currency', () => {
    for (const currency of ['USD', 'EUR', 'JPY', 'GBP', 'CHF', 'KWD']) {
      for (const r of assess(input(300000, currency)).reasons) expect(r.detail, `${currency} ${r.code}`).to.not.match(/minor units|>=/);
    }
  });

  it('the money change left every rule’s points as they were', () => {
    const points = Object.fromEntries(ruleset.rules.map((r) => [r.code, r.points]));
    expect(points).to.include({ HIGH_VALUE: 10, VERY_HIGH_VALUE: 10, FIRST_ORDER_HIGH_VALUE: 10, RISKY_CATEGORY: 8, NO_3DS_HIGH_VALUE: 12 });
  });
});

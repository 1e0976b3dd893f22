/**
 * One table entry per rule: inputs on which it must fire and inputs on which it must not.
 * A guard test makes sure every rule of the ruleset has an entry (and no stale ones).
 */
import { expect } from 'chai';
import type { Order } from '../../domain/order';
import { extractFeatures, isDisposableDomain, looksRandom } from '../../scoring/features';
import { limits, ruleset, type Rule } from '../../scoring/rules';
import { emptyVelocity, type ScoreInput, type VelocityCounts } from '../../scoring/types';

const NOW = '2026-11-24T10:05:00Z';

/** The documented example (README "Quick start"): a clean order with full metadata. */
const cleanOrder: Order = {
  orderId: 'ord_1001',
  placedAt: '2026-11-24T10:00:00Z',
  amount: 12999,
  currency: 'USD',
  channel: 'web',
  customer: {
    id: 'cus_1',
    email: 'a@example.com',
    phone: '+15551234567',
    name: 'Ann Lee',
    accountCreatedAt: '2024-01-02T00:00:00Z',
    previousOrders: 12,
    previousChargebacks: 0,
  },
  payment: {
    method: 'card',
    card: { bin: '411111', last4: '1111', country: 'US', fingerprint: 'fp_9' },
    avsResult: 'match',
    cvvResult: 'match',
    threeDSecure: 'authenticated',
    failedAttempts: 0,
  },
  billingAddress: { line1: '1 Main St', city: 'Austin', postalCode: '78701', region: 'TX', country: 'US' },
  shippingAddress: { line1: '1 Main St', city: 'Austin', postalCode: '78701', region: 'TX', country: 'US' },
  items: [{ sku: 'sku_1', name: 'Drill', category: 'tools', quantity: 1, unitAmount: 12999 }],
  device: { ip: '203.0.113.9', ipCountry: 'US', userAgent: 'Mozilla/5.0', fingerprint: 'dev_1', isProxy: false },
};

/** The clean order, changed by `edit` (on a deep copy). */
function make(edit: (o: Order) => void = () => {}, extra: Partial<ScoreInput> = {}): ScoreInput {
  const order = structuredClone(cleanOrder);
  edit(order);
  return { order, velocity: emptyVelocity(), blocklistHits: [], now: NOW, ...extra };
}

/** Only the required fields. */
const minimal = (amount = 8000): ScoreInput => ({
  order: {
    orderId: 'ord_min',
    amount,
    currency: 'EUR',
    customer: { email: 'someone@example.org' },
    items: [{ quantity: 1, unitAmount: amount }],
  },
  velocity: emptyVelocity(),
  blocklistHits: [],
  now: NOW,
});

function withVelocity(dim: keyof VelocityCounts, hour: number, day: number): ScoreInput {
  const velocity = emptyVelocity();
  velocity[dim] = { hour, day };
  return make(() => {}, { velocity });
}

const daysAgo = (n: number): string => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();
const setAmount = (o: Order, amount: number) => {
  o.amount = amount;
  o.items = [{ name: 'Drill', category: 'tools', quantity: 1, unitAmount: amount }];
};

interface Case {
  fires: ScoreInput[];
  not: ScoreInput[];
}

const cases: Record<string, Case> = {
  BLOCKLIST_HIT: {
    fires: [make(() => {}, { blocklistHits: ['card'] }), make(() => {}, { blocklistHits: ['email', 'ip'] })],
    not: [make()],
  },
  PREVIOUS_CHARGEBACKS: {
    fires: [make((o) => (o.customer.previousChargebacks = 1))],
    not: [make(), minimal()],
  },
  GIFT_CARDS_TO_THIRD_COUNTRY: {
    fires: [
      make((o) => {
        o.items = [{ name: 'Gift card 100', category: 'gift_cards', quantity: 5, unitAmount: 10000 }];
        o.shippingAddress!.country = 'NG';
      }),
      // recognised by item name too
      make((o) => {
        o.items = [{ name: 'Steam Gift Card', category: 'games', quantity: 1, unitAmount: 5000 }];
        o.shippingAddress!.country = 'RO';
      }),
    ],
    not: [
      // gift cards at home
      make((o) => (o.items = [{ category: 'Gift Cards', quantity: 5, unitAmount: 10000 }])),
      // shipping abroad, but no gift cards
      make((o) => (o.shippingAddress!.country = 'NG')),
      // shipping to the card's country (billing elsewhere): not a third country
      make((o) => {
        o.items = [{ category: 'giftcard', quantity: 1, unitAmount: 10000 }];
        o.shippingAddress!.country = 'CA';
        o.payment!.card!.country = 'CA';
      }),
    ],
  },
  FAILED_PAYMENT_BURST: {
    fires: [make((o) => (o.payment!.failedAttempts = 3)), make((o) => (o.payment!.failedAttempts = 12))],
    not: [make((o) => (o.payment!.failedAttempts = 2)), make()],
  },
  PROXY_OR_VPN: {
    fires: [make((o) => (o.device!.isProxy = true))],
    not: [make(), make((o) => delete o.device!.isProxy)],
  },
  DISPOSABLE_EMAIL: {
    fires: [
      make((o) => (o.customer.email = 'ann@mailinator.com')),
      make((o) => (o.customer.email = 'ann@eu.YOPMAIL.com')),
    ],
    not: [make(), make((o) => (o.customer.email = 'ann@notmailinator.com'))],
  },
  NEW_ACCOUNT: {
    fires: [
      make((o) => (o.customer.accountCreatedAt = daysAgo(0))),
      make((o) => (o.customer.accountCreatedAt = daysAgo(limits.newAccountDays - 1))),
    ],
    not: [
      make((o) => (o.customer.accountCreatedAt = daysAgo(limits.newAccountDays))),
      make((o) => delete o.customer.accountCreatedAt),
    ],
  },
  RECENT_ACCOUNT: {
    fires: [
      make((o) => (o.customer.accountCreatedAt = daysAgo(limits.newAccountDays))),
      make((o) => (o.customer.accountCreatedAt = daysAgo(limits.recentAccountDays - 1))),
    ],
    not: [
      make((o) => (o.customer.accountCreatedAt = daysAgo(1))),
      make((o) => (o.customer.accountCreatedAt = daysAgo(limits.recentAccountDays))),
    ],
  },
  RANDOM_EMAIL: {
    fires: [
      make((o) => (o.customer.email = 'anna7382915@example.com')),
      make((o) => (o.customer.email = 'xkqjzvbn@example.com')),
      make((o) => (o.customer.email = 'a8f3k2m9@example.com')),
    ],
    not: [
      make(),
      make((o) => (o.customer.email = 'john.smith1985@example.com')),
      make((o) => (o.customer.email = 'ann+shop123456@example.com')),
    ],
  },
  HIGH_VALUE: {
    fires: [make((o) => setAmount(o, limits.highAmount))],
    not: [make((o) => setAmount(o, limits.highAmount - 1))],
  },
  VERY_HIGH_VALUE: {
    fires: [make((o) => setAmount(o, limits.veryHighAmount))],
    not: [make((o) => setAmount(o, limits.veryHighAmount - 1))],
  },
  FIRST_ORDER_HIGH_VALUE: {
    fires: [
      make((o) => {
        o.customer.previousOrders = 0;
        setAmount(o, limits.firstOrderAmount);
      }),
    ],
    not: [
      make((o) => {
        o.customer.previousOrders = 0;
        setAmount(o, limits.firstOrderAmount - 1);
      }),
      make((o) => setAmount(o, limits.firstOrderAmount * 4)), // 12 previous orders
      make((o) => {
        delete o.customer.previousOrders; // unknown history is not "first order"
        setAmount(o, limits.firstOrderAmount * 4);
      }),
    ],
  },
  RISKY_CATEGORY: {
    fires: [
      make((o) => (o.items = [{ category: 'Electronics', quantity: 1, unitAmount: 12999 }])),
      make((o) => (o.items = [{ category: 'mobile-phones', quantity: 1, unitAmount: 12999 }])),
      make((o) => (o.items = [{ category: 'jewellery', quantity: 1, unitAmount: 12999 }])),
    ],
    not: [make(), make((o) => (o.items = [{ category: 'telephone cables', name: 'cable', quantity: 1, unitAmount: 99 }]))],
  },
  SHIPPING_BILLING_COUNTRY_MISMATCH: {
    fires: [make((o) => (o.shippingAddress!.country = 'GB'))],
    not: [make(), make((o) => delete o.shippingAddress!.country)],
  },
  SHIPPING_BILLING_ADDRESS_DIFFER: {
    fires: [
      make((o) => {
        o.shippingAddress!.line1 = '99 Other Rd';
        o.shippingAddress!.postalCode = '78702';
      }),
    ],
    not: [
      make(),
      // only formatting differs
      make((o) => (o.shippingAddress!.line1 = '1 main st.')),
      // a different country is the other rule, not this one
      make((o) => {
        o.shippingAddress!.line1 = '1 High St';
        o.shippingAddress!.country = 'GB';
      }),
    ],
  },
  SHIPPING_ADDRESS_INCOMPLETE: {
    fires: [make((o) => delete o.shippingAddress!.line1), make((o) => (o.shippingAddress = { country: 'US' }))],
    not: [make(), make((o) => delete o.shippingAddress), make((o) => delete o.shippingAddress!.postalCode)],
  },
  IP_COUNTRY_MISMATCH: {
    fires: [make((o) => (o.device!.ipCountry = 'VN'))],
    not: [
      make(),
      // behind a proxy the exit country means nothing (PROXY_OR_VPN covers it)
      make((o) => {
        o.device!.ipCountry = 'VN';
        o.device!.isProxy = true;
      }),
      // matches the shipping country
      make((o) => {
        o.device!.ipCountry = 'GB';
        o.shippingAddress!.country = 'GB';
      }),
    ],
  },
  CARD_COUNTRY_MISMATCH: {
    fires: [
      make((o) => (o.payment!.card!.country = 'BR')),
      // no billing address: compared with the shipping country
      make((o) => {
        delete o.billingAddress;
        o.payment!.card!.country = 'BR';
      }),
    ],
    not: [make(), make((o) => delete o.payment!.card!.country)],
  },
  AVS_MISMATCH: {
    fires: [make((o) => (o.payment!.avsResult = 'mismatch'))],
    not: [make(), make((o) => (o.payment!.avsResult = 'partial')), make((o) => (o.payment!.avsResult = 'unavailable'))],
  },
  AVS_PARTIAL: {
    fires: [make((o) => (o.payment!.avsResult = 'partial'))],
    not: [make(), make((o) => (o.payment!.avsResult = 'mismatch'))],
  },
  CVV_MISMATCH: {
    fires: [make((o) => (o.payment!.cvvResult = 'mismatch'))],
    not: [make(), make((o) => (o.payment!.cvvResult = 'not_checked'))],
  },
  THREE_DS_FAILED: {
    fires: [make((o) => (o.payment!.threeDSecure = 'failed'))],
    not: [make(), make((o) => (o.payment!.threeDSecure = 'attempted'))],
  },
  NO_3DS_HIGH_VALUE: {
    fires: [
      make((o) => {
        o.payment!.threeDSecure = 'not_performed';
        setAmount(o, limits.highAmount);
      }),
      make((o) => {
        o.payment!.threeDSecure = 'not_enrolled';
        setAmount(o, limits.highAmount * 3);
      }),
    ],
    not: [
      make((o) => (o.payment!.threeDSecure = 'not_performed')), // small amount
      make((o) => setAmount(o, limits.highAmount)), // authenticated
      make((o) => {
        delete o.payment!.threeDSecure; // unknown is not "no 3-D Secure"
        setAmount(o, limits.highAmount);
      }),
    ],
  },
  FAILED_PAYMENT_ATTEMPTS: {
    fires: [make((o) => (o.payment!.failedAttempts = 1)), make((o) => (o.payment!.failedAttempts = 2))],
    not: [make(), make((o) => (o.payment!.failedAttempts = 3))],
  },
  CARD_VELOCITY: {
    fires: [withVelocity('card', 3, 3), withVelocity('card', 0, 6)],
    not: [withVelocity('card', 2, 5), make()],
  },
  DEVICE_VELOCITY: {
    fires: [withVelocity('device', 3, 3), withVelocity('device', 1, 8)],
    not: [withVelocity('device', 2, 7)],
  },
  SHIPPING_ADDRESS_VELOCITY: {
    fires: [withVelocity('shippingAddress', 3, 3), withVelocity('shippingAddress', 0, 6)],
    not: [withVelocity('shippingAddress', 2, 5)],
  },
  EMAIL_VELOCITY: {
    fires: [withVelocity('email', 3, 3), withVelocity('email', 0, 8)],
    not: [withVelocity('email', 2, 7)],
  },
  IP_VELOCITY: {
    fires: [withVelocity('ip', 5, 5), withVelocity('ip', 0, 20)],
    not: [withVelocity('ip', 4, 19), withVelocity('card', 9, 9)],
  },
  SPARSE_METADATA: {
    fires: [
      minimal(),
      make((o) => {
        delete o.payment;
        delete o.device;
        delete o.billingAddress;
      }),
    ],
    not: [
      make(),
      make((o) => {
        delete o.payment;
        delete o.device;
      }),
    ],
  },
  ESTABLISHED_CUSTOMER: {
    fires: [make()],
    not: [
      make((o) => (o.customer.previousOrders = 2)),
      make((o) => (o.customer.accountCreatedAt = daysAgo(200))),
      make((o) => (o.customer.previousChargebacks = 1)),
      make((o) => delete o.customer.previousChargebacks), // unknown chargebacks: no credit
    ],
  },
};

const ruleOf = (code: string): Rule => {
  const rule = ruleset.rules.find((r) => r.code === code);
  if (!rule) throw new Error(`no rule ${code}`);
  return rule;
};

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
          const f = extractFeatures(input);
          const rule = ruleOf(code);
          expect(rule.when(f)).to.equal(true);
          const detail = rule.detail(f);
          expect(detail).to.be.a('string').and.not.empty;
          for (const secret of pii(input)) expect(detail).to.not.include(secret);
        });
      });
      not.forEach((input, i) => {
        it(`does not fire (case ${i + 1})`, () => {
          expect(ruleOf(code).when(extractFeatures(input))).to.equal(false);
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

  it('velocity counts are flattened per dimension and window', () => {
    const f = extractFeatures(withVelocity('shippingAddress', 2, 7));
    expect(f.velocityShippingAddressHour).to.equal(2);
    expect(f.velocityShippingAddressDay).to.equal(7);
    expect(f.velocityCardHour).to.equal(0);
  });
});

/**
 * The engine's default ruleset, as data (the form of API.md, "Rulesets"; the language
 * is described in rulesetSchema.ts and compile.ts): every rule a condition over
 * `order.*` and `feature.*` fields (GET /v1/rulesets/fields), its points, the
 * documents that can resolve it (`requests`), whether it is a hard fraud signal, and a
 * detail template (templates.ts). Features are computed in code (features.ts); rules
 * only combine them. The engine (engine.ts) compiles it once and scores every check
 * with it unless given another version.
 *
 * Change anything here (points, limits, bands, policy) => bump `version`; every
 * assessment records the version that produced it.
 *
 * Detail templates quote only fields, and personal data is not a field: a detail
 * cannot leak it.
 *
 * Pure data: it imports nothing but data (the workflow bundle may read it).
 */
import type { BandRange, Condition, Policy, RuleData, RulesetData } from './rulesetSchema';
import type { VelocityDimension } from './types';
import { allowlistRule, blocklistRule } from './listRules';
import { duplicateDocumentRule } from './documentRules';
import { VELOCITY_CAP } from './velocity';

/**
 * Limits the rules compare against.
 *
 * Amounts are in minor units of the order's currency and compared as-is, whatever the
 * currency (the engine has no FX rates and stays pure). They are tuned for 2-decimal
 * currencies (50_000 = 500.00 USD/EUR/GBP). For a zero-decimal currency (JPY, KRW)
 * the same numbers mean a smaller value (50_000 JPY ~ 330 USD), so such orders are
 * checked more, never less: the safe direction. A shop selling mainly in such a
 * currency should ship its own ruleset version with scaled limits.
 */
export const limits = {
  /** HIGH_VALUE, and the "high amount" of NO_3DS_HIGH_VALUE. */
  highAmount: 50_000,
  /** VERY_HIGH_VALUE (adds to HIGH_VALUE). */
  veryHighAmount: 200_000,
  /** FIRST_ORDER_HIGH_VALUE: a first order at least this big. */
  firstOrderAmount: 25_000,
  /** NEW_ACCOUNT below this age; RECENT_ACCOUNT below `recentAccountDays`. */
  newAccountDays: 7,
  recentAccountDays: 30,
  /** ESTABLISHED_CUSTOMER: account at least this old with this many orders, no chargebacks. */
  establishedAccountDays: 365,
  establishedMinOrders: 3,
  /** FAILED_PAYMENT_BURST from this many failed attempts on; fewer is FAILED_PAYMENT_ATTEMPTS. */
  failedAttemptsBurst: 3,
  /** SPARSE_METADATA when at least this many optional data groups are missing. */
  sparseMissingGroups: 3,
  /** Velocity bursts: earlier orders (this one excluded) in the last hour / day. */
  velocity: {
    card: { hour: 3, day: 6 },
    email: { hour: 3, day: 8 },
    device: { hour: 3, day: 8 },
    // Shared IPs (offices, mobile carriers, CGNAT) are common: looser limits.
    ip: { hour: 5, day: 20 },
    shippingAddress: { hour: 3, day: 6 },
  } satisfies Record<VelocityDimension, { hour: number; day: number }>,
} as const;

// --- shorthands for conditions ---------------------------------------------------------
const f = (name: string) => `feature.${name}`;
const is = (field: string, value: string | number | boolean): Condition => ({ field, op: 'eq', value });
const atLeast = (field: string, value: number): Condition => ({ field, op: 'gte', value });
const below = (field: string, value: number): Condition => ({ field, op: 'lt', value });
const all = (...conditions: Condition[]): Condition => ({ all: conditions });
const any = (...conditions: Condition[]): Condition => ({ any: conditions });

const dimensionLabel: Record<VelocityDimension, string> = {
  card: 'card',
  email: 'email address',
  device: 'device',
  ip: 'IP address',
  shippingAddress: 'shipping address',
};

/** One velocity rule per dimension: a burst in the last hour or the last day. */
function velocityRule(dimension: VelocityDimension, code: string, points: number): RuleData {
  const limit = limits.velocity[dimension];
  const label = dimensionLabel[dimension];
  const v = `feature.velocity.${dimension}`;
  return {
    code,
    description: `Many recent orders with the same ${label} (>= ${limit.hour} in an hour or >= ${limit.day} in a day before this one)`,
    points,
    when: any(atLeast(`${v}.hour`, limit.hour), atLeast(`${v}.day`, limit.day)),
    detail: [
      // Saturated: the counts are the read cap, "that many or more".
      { when: is(`${v}.saturated`, true), text: `${VELOCITY_CAP} or more other orders with this ${label} since yesterday (too many to count by the hour)` },
      { text: `{${v}.hour|count:earlier order} with this ${label} in the last hour, {${v}.day} in the last day` },
    ],
  };
}

/** Earlier orders sharing an identifier were marked chargeback / fraud_confirmed (API.md, "Outcomes"). */
function priorOutcomeRule(
  outcome: 'chargeback' | 'fraud',
  dimension: 'card' | 'email' | 'device' | 'shippingAddress',
  points: number,
  hard: boolean,
): RuleData {
  const label = dimensionLabel[dimension];
  const feature = outcome === 'chargeback' ? 'priorChargeback' : 'priorFraud';
  const marked = outcome === 'chargeback' ? 'with a chargeback' : 'confirmed as fraud';
  return {
    code: `PRIOR_${outcome === 'chargeback' ? 'CHARGEBACK' : 'FRAUD'}_${dimension === 'shippingAddress' ? 'SHIPPING_ADDRESS' : dimension.toUpperCase()}`,
    description: `An earlier order with the same ${label} was ${marked}`,
    points,
    ...(hard ? { hard: true } : {}),
    when: atLeast(f(`${feature}.${dimension}`), 1),
    detail: `{${f(`${feature}.${dimension}`)}|count:earlier order} with this ${label} ${marked}`,
  };
}

const rules: RuleData[] = [
  // --- lists & hard fraud signals ---------------------------------------------------
  blocklistRule,
  allowlistRule,
  {
    code: 'PREVIOUS_CHARGEBACKS',
    description: 'The customer has had chargebacks before',
    points: 35,
    hard: true,
    when: atLeast(f('previousChargebacks'), 1),
    detail: '{feature.previousChargebacks|count:previous chargeback} on this customer',
  },
  {
    code: 'GIFT_CARDS_TO_THIRD_COUNTRY',
    description: 'Gift cards shipped to a country that is neither the billing nor the card country',
    points: 30,
    hard: true,
    when: is(f('giftCardsToThirdCountry'), true),
    detail: 'gift cards shipped to {feature.shippingCountry}; billing {feature.billingCountry}, card {feature.cardCountry}',
  },
  {
    code: 'FAILED_PAYMENT_BURST',
    description: `${limits.failedAttemptsBurst} or more failed payment attempts before this one (card testing)`,
    points: 25,
    hard: true,
    when: atLeast(f('failedAttempts'), limits.failedAttemptsBurst),
    detail: '{feature.failedAttempts|count:failed payment attempt} before this one',
  },
  {
    code: 'PROXY_OR_VPN',
    description: 'The order was placed through a proxy, VPN or anonymiser',
    points: 20,
    hard: true,
    when: is(f('isProxy'), true),
    detail: 'placed through a proxy or VPN (exit country {feature.ipCountry})',
  },
  // Hard ones carry at least 30: any three hard signals reach the critical band.
  priorOutcomeRule('fraud', 'card', 40, true),
  priorOutcomeRule('fraud', 'email', 35, true),
  priorOutcomeRule('fraud', 'device', 30, true),
  priorOutcomeRule('fraud', 'shippingAddress', 30, true),
  priorOutcomeRule('chargeback', 'card', 35, true),
  priorOutcomeRule('chargeback', 'email', 30, true),
  // Devices and addresses are shared (households, offices, reshippers): softer.
  priorOutcomeRule('chargeback', 'device', 15, false),
  priorOutcomeRule('chargeback', 'shippingAddress', 15, false),
  // What uploads show: applied by the check workflow when an upload matches another customer's document.
  duplicateDocumentRule,

  // --- identity: who is this customer? ------------------------------------------------
  {
    code: 'DISPOSABLE_EMAIL',
    description: 'Email at a disposable / temporary mailbox provider',
    points: 20,
    requests: ['identity'],
    when: is(f('disposableEmail'), true),
    detail: 'email address at a disposable-mailbox provider',
  },
  {
    code: 'NEW_ACCOUNT',
    description: `Customer account younger than ${limits.newAccountDays} days`,
    points: 15,
    requests: ['identity'],
    when: below(f('accountAgeDays'), limits.newAccountDays),
    detail: 'account created {feature.accountAgeDays|ago}',
  },
  {
    code: 'RECENT_ACCOUNT',
    description: `Customer account ${limits.newAccountDays} to ${limits.recentAccountDays - 1} days old`,
    points: 5,
    requests: ['identity'],
    when: all(atLeast(f('accountAgeDays'), limits.newAccountDays), below(f('accountAgeDays'), limits.recentAccountDays)),
    detail: 'account created {feature.accountAgeDays|ago}',
  },
  {
    code: 'RANDOM_EMAIL',
    description: 'Email local part looks machine-generated (long digit or consonant runs, letter/digit mix)',
    points: 8,
    requests: ['identity'],
    when: is(f('randomEmailLocalPart'), true),
    detail: 'email address looks machine-generated',
  },

  // --- value & history ---------------------------------------------------------------
  {
    code: 'HIGH_VALUE',
    description: `Order total of at least ${limits.highAmount} minor units`,
    points: 10,
    requests: ['identity'],
    when: atLeast('order.amount', limits.highAmount),
    detail: `order total {order.amount|money} (at least {${limits.highAmount}|money})`,
  },
  {
    code: 'VERY_HIGH_VALUE',
    description: `Order total of at least ${limits.veryHighAmount} minor units (adds to HIGH_VALUE)`,
    points: 10,
    requests: ['identity'],
    when: atLeast('order.amount', limits.veryHighAmount),
    detail: `order total {order.amount|money} (at least {${limits.veryHighAmount}|money})`,
  },
  {
    code: 'FIRST_ORDER_HIGH_VALUE',
    description: `First order of the customer, and at least ${limits.firstOrderAmount} minor units`,
    points: 10,
    requests: ['identity'],
    when: all(is(f('previousOrders'), 0), atLeast('order.amount', limits.firstOrderAmount)),
    detail: `first order, total {order.amount|money} (at least {${limits.firstOrderAmount}|money})`,
  },
  {
    code: 'RISKY_CATEGORY',
    description: 'Basket contains easy-to-resell goods (gift cards, electronics, jewelry, ...)',
    points: 8,
    when: atLeast(f('riskyCategories.count'), 1),
    detail: '{feature.riskyCategories} worth {feature.riskyAmount|money}',
  },

  // --- addresses & geography -----------------------------------------------------------
  {
    code: 'SHIPPING_BILLING_COUNTRY_MISMATCH',
    description: 'Shipping country differs from billing country',
    points: 15,
    requests: ['address'],
    when: is(f('shippingBillingCountryMismatch'), true),
    detail: 'shipping to {feature.shippingCountry}, billing in {feature.billingCountry}',
  },
  {
    code: 'SHIPPING_BILLING_ADDRESS_DIFFER',
    description: 'Shipping address differs from billing address within the same country',
    points: 5,
    requests: ['address'],
    when: is(f('shippingBillingAddressDiffer'), true),
    detail: 'shipping and billing addresses differ (both in {feature.homeCountry})',
  },
  {
    code: 'SHIPPING_ADDRESS_INCOMPLETE',
    description: 'Shipping address lacks street, city or country',
    points: 8,
    requests: ['address'],
    when: is(f('shippingAddressIncomplete'), true),
    detail: 'shipping address lacks street, city or country',
  },
  {
    code: 'IP_COUNTRY_MISMATCH',
    description: 'IP country matches none of billing, shipping or card country (not behind a proxy)',
    points: 10,
    when: is(f('ipCountryMismatch'), true),
    detail: 'IP in {feature.ipCountry}; billing {feature.billingCountry}, shipping {feature.shippingCountry}, card {feature.cardCountry}',
  },

  // --- payment: does the card fit the customer? ------------------------------------------
  {
    code: 'CARD_COUNTRY_MISMATCH',
    description: 'Card issued in another country than the billing (or, without billing, shipping) country',
    points: 15,
    requests: ['payment_ownership'],
    when: is(f('cardCountryMismatch'), true),
    detail: 'card issued in {feature.cardCountry}, customer in {feature.homeCountry}',
  },
  {
    code: 'AVS_MISMATCH',
    description: "Billing address does not match the card issuer's records (AVS)",
    points: 15,
    requests: ['payment_ownership'],
    when: is('order.payment.avsResult', 'mismatch'),
    detail: 'AVS result: mismatch',
  },
  {
    code: 'AVS_PARTIAL',
    description: "Billing address only partly matches the card issuer's records (AVS)",
    points: 5,
    requests: ['payment_ownership'],
    when: is('order.payment.avsResult', 'partial'),
    detail: 'AVS result: partial match',
  },
  {
    code: 'CVV_MISMATCH',
    description: 'Card security code did not match',
    points: 20,
    requests: ['payment_ownership'],
    when: is('order.payment.cvvResult', 'mismatch'),
    detail: 'CVV result: mismatch',
  },
  {
    code: 'THREE_DS_FAILED',
    description: '3-D Secure authentication failed',
    points: 20,
    requests: ['payment_ownership'],
    when: is('order.payment.threeDSecure', 'failed'),
    detail: '3-D Secure: failed',
  },
  {
    code: 'NO_3DS_HIGH_VALUE',
    description: `No 3-D Secure (not performed / not enrolled) on an order of at least ${limits.highAmount} minor units`,
    points: 12,
    requests: ['payment_ownership'],
    when: all(
      { field: 'order.payment.threeDSecure', op: 'in', value: ['not_performed', 'not_enrolled'] },
      atLeast('order.amount', limits.highAmount),
    ),
    detail: '3-D Secure {order.payment.threeDSecure|words} on {order.amount|money}',
  },
  {
    code: 'FAILED_PAYMENT_ATTEMPTS',
    description: `1 to ${limits.failedAttemptsBurst - 1} failed payment attempts before this one`,
    points: 5,
    when: all(atLeast(f('failedAttempts'), 1), below(f('failedAttempts'), limits.failedAttemptsBurst)),
    detail: '{feature.failedAttempts|count:failed payment attempt} before this one',
  },

  // --- velocity (documents cannot explain a burst: no `requests`) -----------------------------
  velocityRule('card', 'CARD_VELOCITY', 20),
  velocityRule('device', 'DEVICE_VELOCITY', 15),
  velocityRule('shippingAddress', 'SHIPPING_ADDRESS_VELOCITY', 15),
  velocityRule('email', 'EMAIL_VELOCITY', 10),
  velocityRule('ip', 'IP_VELOCITY', 10),

  // --- completeness & trust -------------------------------------------------------------
  {
    code: 'SPARSE_METADATA',
    description: `At least ${limits.sparseMissingGroups} optional data groups missing (payment, addresses, device, account history)`,
    points: 5,
    when: atLeast(f('missingData.count'), limits.sparseMissingGroups),
    detail: 'missing: {feature.missingData}',
  },
  {
    code: 'ESTABLISHED_CUSTOMER',
    description: `Account at least ${limits.establishedAccountDays} days old with ${limits.establishedMinOrders}+ orders and no chargebacks`,
    points: -10,
    when: all(
      atLeast(f('accountAgeDays'), limits.establishedAccountDays),
      atLeast(f('previousOrders'), limits.establishedMinOrders),
      is(f('previousChargebacks'), 0),
    ),
    detail:
      'account {feature.accountAgeDays|count:day} old, {feature.previousOrders|count:previous order}, no chargebacks',
  },
];

/** Ascending, covering 0..100: a score belongs to the band whose range holds it. */
const bands: BandRange[] = [
  { band: 'low', min: 0, max: 24, action: 'approve' },
  { band: 'medium', min: 25, max: 49, action: 'verify' },
  { band: 'high', min: 50, max: 74, action: 'verify' },
  { band: 'critical', min: 75, max: 100, action: 'block' },
];

/**
 * Decision policy ("verify, don't decline"):
 * - a block-list hit blocks (BLOCKLIST_HIT's `action`); an allow-list hit without one
 *   approves (ALLOWLIST_HIT's);
 * - the critical band blocks only when at least 2 hard rules fired: a critical score
 *   made of soft signals is not near-certain fraud, it is verified or reviewed;
 * - medium and above verify when rules that documents can resolve (those with
 *   `requests`) carry at least half of the positive points; else review (documents
 *   could not explain, e.g., a velocity burst or a proxy).
 */
const policy: Policy = {
  block: { minHardSignals: 2 },
  verify: { minDocumentShare: 0.5 },
  alwaysRequest: ['identity'],
};

export const ruleset: RulesetData = {
  version: '2026-12-02.2',
  status: 'live',
  note: "The engine's default ruleset",
  rules,
  bands,
  policy,
};

/**
 * The ruleset, as data: every rule is a code, a description, its points, a predicate
 * over `Features`, a PII-free detail, the documents that can resolve it (`asks`) and
 * whether it is a hard fraud signal (`hard`). The engine (`engine.ts`) only sums,
 * bands and applies the decision policy declared here.
 *
 * Change anything here (points, limits, bands, policy) => bump `version`; every
 * assessment records the version that produced it.
 *
 * Detail strings never contain PII: only countries, counts, amounts, categories and
 * names of dimensions (the features record carries nothing else).
 */
import type { DocumentKind } from '../domain/order';
import type { Band, VelocityDimension } from './types';
import { velocityOf, type Features } from './features';
import { VELOCITY_CAP, saturated } from './velocity';
import { formatMoney } from './money';

export interface Rule {
  /** SCREAMING_SNAKE, stable: reviewers, dashboards and tests refer to it. */
  code: string;
  description: string;
  /** Added to the score when the rule fires; negative for trust signals. */
  points: number;
  when: (f: Features) => boolean;
  /** Why it fired, for humans. No PII. */
  detail: (f: Features) => string;
  /** Documents that can resolve this signal (asked for when the action is `verify`). */
  asks?: DocumentKind[];
  /** A hard fraud signal: stacked with others in a critical score it blocks the order. */
  hard?: true;
}

export interface BandThreshold {
  band: Band;
  /** Lowest score (inclusive) of the band. */
  min: number;
}

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

const dimensionLabel: Record<VelocityDimension, string> = {
  card: 'card',
  email: 'email address',
  device: 'device',
  ip: 'IP address',
  shippingAddress: 'shipping address',
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
/** An amount of the order's currency (minor units) as money: "$1,899.00". */
const money = (f: Features, minor: number = f.amount): string => formatMoney(minor, f.currency);
const country = (c: string | null): string => c ?? 'unknown';
const created = (days: number | null): string =>
  days === 0 ? 'account created today' : `account created ${plural(days ?? 0, 'day')} ago`;

/** One velocity rule per dimension: a burst in the last hour or the last day. */
function velocityRule(dimension: VelocityDimension, code: string, points: number): Rule {
  const limit = limits.velocity[dimension];
  const label = dimensionLabel[dimension];
  return {
    code,
    description: `Many recent orders with the same ${label} (>= ${limit.hour} in an hour or >= ${limit.day} in a day before this one)`,
    points,
    when: (f) => {
      const v = velocityOf(f, dimension);
      return v.hour >= limit.hour || v.day >= limit.day;
    },
    detail: (f) => {
      const v = velocityOf(f, dimension);
      if (saturated(v)) return `${VELOCITY_CAP} or more other orders with this ${label} since yesterday (too many to count by the hour)`;
      return `${plural(v.hour, 'earlier order')} with this ${label} in the last hour, ${v.day} in the last day`;
    },
  };
}

const rules: Rule[] = [
  // --- lists & hard fraud signals ---------------------------------------------------
  {
    code: 'BLOCKLIST_HIT',
    description: "A value of this order (card, email, device, IP or shipping address) is on the shop's block list",
    points: 100,
    hard: true,
    when: (f) => f.blocklistHits.length > 0,
    detail: (f) => `on the block list: ${f.blocklistHits.map((d) => dimensionLabel[d]).join(', ')}`,
  },
  {
    code: 'PREVIOUS_CHARGEBACKS',
    description: 'The customer has had chargebacks before',
    points: 35,
    hard: true,
    when: (f) => (f.previousChargebacks ?? 0) > 0,
    detail: (f) => `${plural(f.previousChargebacks ?? 0, 'previous chargeback')} on this customer`,
  },
  {
    code: 'GIFT_CARDS_TO_THIRD_COUNTRY',
    description: 'Gift cards shipped to a country that is neither the billing nor the card country',
    points: 30,
    hard: true,
    when: (f) => f.giftCardsToThirdCountry,
    detail: (f) =>
      `gift cards shipped to ${country(f.shippingCountry)}; billing ${country(f.billingCountry)}, card ${country(f.cardCountry)}`,
  },
  {
    code: 'FAILED_PAYMENT_BURST',
    description: `${limits.failedAttemptsBurst} or more failed payment attempts before this one (card testing)`,
    points: 25,
    hard: true,
    when: (f) => (f.failedAttempts ?? 0) >= limits.failedAttemptsBurst,
    detail: (f) => `${plural(f.failedAttempts ?? 0, 'failed payment attempt')} before this one`,
  },
  {
    code: 'PROXY_OR_VPN',
    description: 'The order was placed through a proxy, VPN or anonymiser',
    points: 20,
    hard: true,
    when: (f) => f.isProxy === true,
    detail: (f) => `placed through a proxy or VPN (exit country ${country(f.ipCountry)})`,
  },

  // --- identity: who is this customer? ------------------------------------------------
  {
    code: 'DISPOSABLE_EMAIL',
    description: 'Email at a disposable / temporary mailbox provider',
    points: 20,
    asks: ['identity'],
    when: (f) => f.disposableEmail,
    detail: () => 'email address at a disposable-mailbox provider',
  },
  {
    code: 'NEW_ACCOUNT',
    description: `Customer account younger than ${limits.newAccountDays} days`,
    points: 15,
    asks: ['identity'],
    when: (f) => f.accountAgeDays !== null && f.accountAgeDays < limits.newAccountDays,
    detail: (f) => created(f.accountAgeDays),
  },
  {
    code: 'RECENT_ACCOUNT',
    description: `Customer account ${limits.newAccountDays} to ${limits.recentAccountDays - 1} days old`,
    points: 5,
    asks: ['identity'],
    when: (f) =>
      f.accountAgeDays !== null &&
      f.accountAgeDays >= limits.newAccountDays &&
      f.accountAgeDays < limits.recentAccountDays,
    detail: (f) => created(f.accountAgeDays),
  },
  {
    code: 'RANDOM_EMAIL',
    description: 'Email local part looks machine-generated (long digit or consonant runs, letter/digit mix)',
    points: 8,
    asks: ['identity'],
    when: (f) => f.randomEmailLocalPart,
    detail: () => 'email address looks machine-generated',
  },

  // --- value & history ---------------------------------------------------------------
  {
    code: 'HIGH_VALUE',
    description: `Order total of at least ${limits.highAmount} minor units`,
    points: 10,
    asks: ['identity'],
    when: (f) => f.amount >= limits.highAmount,
    detail: (f) => `order total ${money(f)} (at least ${money(f, limits.highAmount)})`,
  },
  {
    code: 'VERY_HIGH_VALUE',
    description: `Order total of at least ${limits.veryHighAmount} minor units (adds to HIGH_VALUE)`,
    points: 10,
    asks: ['identity'],
    when: (f) => f.amount >= limits.veryHighAmount,
    detail: (f) => `order total ${money(f)} (at least ${money(f, limits.veryHighAmount)})`,
  },
  {
    code: 'FIRST_ORDER_HIGH_VALUE',
    description: `First order of the customer, and at least ${limits.firstOrderAmount} minor units`,
    points: 10,
    asks: ['identity'],
    when: (f) => f.previousOrders === 0 && f.amount >= limits.firstOrderAmount,
    detail: (f) => `first order, total ${money(f)} (at least ${money(f, limits.firstOrderAmount)})`,
  },
  {
    code: 'RISKY_CATEGORY',
    description: 'Basket contains easy-to-resell goods (gift cards, electronics, jewelry, ...)',
    points: 8,
    when: (f) => f.riskyCategories.length > 0,
    detail: (f) => `${f.riskyCategories.join(', ')} worth ${money(f, f.riskyAmount)}`,
  },

  // --- addresses & geography -----------------------------------------------------------
  {
    code: 'SHIPPING_BILLING_COUNTRY_MISMATCH',
    description: 'Shipping country differs from billing country',
    points: 15,
    asks: ['address'],
    when: (f) => f.shippingBillingCountryMismatch,
    detail: (f) => `shipping to ${country(f.shippingCountry)}, billing in ${country(f.billingCountry)}`,
  },
  {
    code: 'SHIPPING_BILLING_ADDRESS_DIFFER',
    description: 'Shipping address differs from billing address within the same country',
    points: 5,
    asks: ['address'],
    when: (f) => f.shippingBillingAddressDiffer,
    detail: (f) => `shipping and billing addresses differ (both in ${country(f.shippingCountry ?? f.billingCountry)})`,
  },
  {
    code: 'SHIPPING_ADDRESS_INCOMPLETE',
    description: 'Shipping address lacks street, city or country',
    points: 8,
    asks: ['address'],
    when: (f) => f.shippingAddressIncomplete,
    detail: () => 'shipping address lacks street, city or country',
  },
  {
    code: 'IP_COUNTRY_MISMATCH',
    description: 'IP country matches none of billing, shipping or card country (not behind a proxy)',
    points: 10,
    when: (f) => f.ipCountryMismatch,
    detail: (f) =>
      `IP in ${country(f.ipCountry)}; billing ${country(f.billingCountry)}, shipping ${country(f.shippingCountry)}, card ${country(f.cardCountry)}`,
  },

  // --- payment: does the card fit the customer? ------------------------------------------
  {
    code: 'CARD_COUNTRY_MISMATCH',
    description: 'Card issued in another country than the billing (or, without billing, shipping) country',
    points: 15,
    asks: ['payment_ownership'],
    when: (f) => f.cardCountryMismatch,
    detail: (f) => `card issued in ${country(f.cardCountry)}, customer in ${country(f.billingCountry ?? f.shippingCountry)}`,
  },
  {
    code: 'AVS_MISMATCH',
    description: "Billing address does not match the card issuer's records (AVS)",
    points: 15,
    asks: ['payment_ownership'],
    when: (f) => f.avsResult === 'mismatch',
    detail: () => 'AVS result: mismatch',
  },
  {
    code: 'AVS_PARTIAL',
    description: "Billing address only partly matches the card issuer's records (AVS)",
    points: 5,
    asks: ['payment_ownership'],
    when: (f) => f.avsResult === 'partial',
    detail: () => 'AVS result: partial match',
  },
  {
    code: 'CVV_MISMATCH',
    description: 'Card security code did not match',
    points: 20,
    asks: ['payment_ownership'],
    when: (f) => f.cvvResult === 'mismatch',
    detail: () => 'CVV result: mismatch',
  },
  {
    code: 'THREE_DS_FAILED',
    description: '3-D Secure authentication failed',
    points: 20,
    asks: ['payment_ownership'],
    when: (f) => f.threeDSecure === 'failed',
    detail: () => '3-D Secure: failed',
  },
  {
    code: 'NO_3DS_HIGH_VALUE',
    description: `No 3-D Secure (not performed / not enrolled) on an order of at least ${limits.highAmount} minor units`,
    points: 12,
    asks: ['payment_ownership'],
    when: (f) =>
      (f.threeDSecure === 'not_performed' || f.threeDSecure === 'not_enrolled') && f.amount >= limits.highAmount,
    detail: (f) => `3-D Secure ${f.threeDSecure === 'not_enrolled' ? 'not enrolled' : 'not performed'} on ${money(f)}`,
  },
  {
    code: 'FAILED_PAYMENT_ATTEMPTS',
    description: `1 to ${limits.failedAttemptsBurst - 1} failed payment attempts before this one`,
    points: 5,
    when: (f) => (f.failedAttempts ?? 0) > 0 && (f.failedAttempts ?? 0) < limits.failedAttemptsBurst,
    detail: (f) => `${plural(f.failedAttempts ?? 0, 'failed payment attempt')} before this one`,
  },

  // --- velocity (documents cannot explain a burst: no `asks`) -----------------------------
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
    when: (f) => f.missingData.length >= limits.sparseMissingGroups,
    detail: (f) => `missing: ${f.missingData.join(', ')}`,
  },
  {
    code: 'ESTABLISHED_CUSTOMER',
    description: `Account at least ${limits.establishedAccountDays} days old with ${limits.establishedMinOrders}+ orders and no chargebacks`,
    points: -10,
    when: (f) =>
      f.accountAgeDays !== null &&
      f.accountAgeDays >= limits.establishedAccountDays &&
      (f.previousOrders ?? 0) >= limits.establishedMinOrders &&
      f.previousChargebacks === 0,
    detail: (f) =>
      `account ${plural(f.accountAgeDays ?? 0, 'day')} old, ${plural(f.previousOrders ?? 0, 'previous order')}, no chargebacks`,
  },
];

/** A versioned ruleset: rules, band thresholds and the decision policy. */
export interface Ruleset {
  version: string;
  rules: Rule[];
  bands: BandThreshold[];
  policy: {
    block: { band: Band; minHardSignals: number };
    review: { minDocumentShare: number };
    alwaysAsk: DocumentKind[];
  };
  /** The limits the rules were written against (informational). */
  limits?: unknown;
}

export const ruleset = {
  version: '2026-11-25.1',
  rules,
  /** Ascending; a score belongs to the last band whose `min` it reaches. */
  bands: [
    { band: 'low', min: 0 },
    { band: 'medium', min: 25 },
    { band: 'high', min: 50 },
    { band: 'critical', min: 75 },
  ],
  /**
   * Decision policy ("verify, don't decline"):
   * - `block` on any block-list hit, or when the score is `critical` AND at least
   *   `minHardSignals` hard rules fired. A critical score made of soft signals is not
   *   near-certain fraud: it is verified or reviewed like a `high` one.
   * - otherwise, medium and above: `verify` when rules that documents can resolve
   *   (those with `asks`) carry at least `minDocumentShare` of the positive points;
   *   else `review` (in_review, no documents): documents could not explain, e.g.,
   *   a velocity burst or a proxy.
   */
  policy: {
    block: { band: 'critical', minHardSignals: 2 },
    review: { minDocumentShare: 0.5 },
    /** Asked for on every `verify`, whatever fired. */
    alwaysAsk: ['identity'],
  },
  limits,
} satisfies Ruleset;

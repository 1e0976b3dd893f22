/**
 * Feature extraction: turns a `ScoreInput` (order + velocity + block-list hits + now)
 * into one flat, typed record that the rules read.
 *
 * Pure: no I/O, no clock (account age is measured against `input.now`), no randomness.
 *
 * Conventions
 * - `null` means "unknown / not supplied". Missing data is never fraud by itself; the
 *   rules treat `null` as "this signal does not fire" (see SPARSE_METADATA for the one
 *   rule that looks at completeness).
 * - Amounts are integers in the order currency's minor units, used as-is (currency-
 *   agnostic). The thresholds in `rules.ts` are written for 2-decimal currencies
 *   (USD, EUR, GBP, ...); see `limits` there for what that means for other currencies.
 * - The record carries no PII: no email address, IP, name, street or card number.
 *   Countries (ISO codes), counts, amounts and product categories only, so a rule's
 *   `detail` cannot leak PII by quoting a feature.
 */
import type { Address, Order } from '../domain/order';
import type { ScoreInput, VelocityDimension, WindowCounts } from './types';

type Payment = NonNullable<Order['payment']>;
export type CheckResult = NonNullable<Payment['avsResult']>;
export type ThreeDSecure = NonNullable<Payment['threeDSecure']>;
export type PaymentMethod = NonNullable<Payment['method']>;

/** Groups of optional order data that sharpen the score when present. */
export type DataGroup = 'payment' | 'billing address' | 'shipping address' | 'device' | 'account history';

export interface Features {
  // --- money -------------------------------------------------------------------
  /** Order total in minor units of `currency`. */
  amount: number;
  currency: string;
  /** Sum of item quantities. */
  quantity: number;

  // --- customer ----------------------------------------------------------------
  /** Whole days between `customer.accountCreatedAt` and `now` (>= 0); null if unknown. */
  accountAgeDays: number | null;
  previousOrders: number | null;
  previousChargebacks: number | null;
  /** Email domain (or a parent domain) is a well-known throw-away mailbox provider. */
  disposableEmail: boolean;
  /** Email local part looks machine-generated (see `looksRandom`). */
  randomEmailLocalPart: boolean;

  // --- geography (ISO 3166-1 alpha-2, upper case) --------------------------------
  billingCountry: string | null;
  shippingCountry: string | null;
  ipCountry: string | null;
  cardCountry: string | null;
  /** Both countries known and different. */
  shippingBillingCountryMismatch: boolean;
  /** Same country (or a country unknown) but a different street, city or postal code. */
  shippingBillingAddressDiffer: boolean;
  /** Card country differs from billing country (or shipping country when billing is unknown). */
  cardCountryMismatch: boolean;
  /**
   * IP country differs from every known billing / shipping / card country.
   * Not set behind a proxy: the exit node's country says nothing (PROXY_OR_VPN covers it).
   */
  ipCountryMismatch: boolean;
  /** A shipping address was given but lacks street, city or country. */
  shippingAddressIncomplete: boolean;

  // --- payment -----------------------------------------------------------------
  paymentMethod: PaymentMethod | null;
  avsResult: CheckResult | null;
  cvvResult: CheckResult | null;
  threeDSecure: ThreeDSecure | null;
  failedAttempts: number | null;

  // --- device ------------------------------------------------------------------
  isProxy: boolean | null;

  // --- basket ------------------------------------------------------------------
  /** Canonical names of risky categories in the basket, sorted (e.g. "electronics"). */
  riskyCategories: string[];
  /** Minor units spent on items of risky categories. */
  riskyAmount: number;
  /** The basket contains gift cards / vouchers / prepaid cards (category or item name). */
  hasGiftCards: boolean;
  /**
   * Gift cards shipped to a country that is neither the billing country nor the card
   * country (at least one of those two known).
   */
  giftCardsToThirdCountry: boolean;

  // --- velocity: earlier orders with the same value (this order not included) ----
  velocityCardHour: number;
  velocityCardDay: number;
  velocityEmailHour: number;
  velocityEmailDay: number;
  velocityDeviceHour: number;
  velocityDeviceDay: number;
  velocityIpHour: number;
  velocityIpDay: number;
  velocityShippingAddressHour: number;
  velocityShippingAddressDay: number;

  // --- lists & completeness ------------------------------------------------------
  /** Dimensions (not values) that hit the shop's block list, sorted, unique. */
  blocklistHits: VelocityDimension[];
  /** Optional data groups absent from the order. */
  missingData: DataGroup[];
}

/**
 * Well-known disposable / temporary mailbox providers. Deliberately small: a hit is a
 * strong hint, a miss means nothing. Sub-domains match too (`x.mailinator.com`).
 */
export const disposableEmailDomains: ReadonlySet<string> = new Set([
  '10minutemail.com',
  '20minutemail.com',
  'burnermail.io',
  'discard.email',
  'dispostable.com',
  'emailondeck.com',
  'fakeinbox.com',
  'getairmail.com',
  'getnada.com',
  'grr.la',
  'guerrillamail.com',
  'guerrillamail.net',
  'guerrillamail.org',
  'guerrillamailblock.com',
  'maildrop.cc',
  'mailinator.com',
  'mailnesia.com',
  'mintemail.com',
  'mohmal.com',
  'moakt.com',
  'mytemp.email',
  'sharklasers.com',
  'spam4.me',
  'spamgourmet.com',
  'temp-mail.org',
  'tempail.com',
  'tempmail.com',
  'tempmailo.com',
  'tempr.email',
  'throwawaymail.com',
  'trashmail.com',
  'yopmail.com',
]);

/**
 * Risky product categories: easy to resell, so favoured by card fraud. Matched on whole
 * words of the item's category (lower-cased, punctuation as spaces). Gift cards are also
 * recognised by item name (see `giftCardPattern`).
 */
export const riskyCategoryPatterns: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'gift cards', pattern: /\b(gift ?cards?|vouchers?|prepaid( cards?)?)\b/ },
  {
    name: 'electronics',
    pattern:
      /\b(electronics?|(smart|mobile )?phones?|laptops?|computers?|tablets?|cameras?|consoles?|video ?games?|gaming|headphones?)\b/,
  },
  { name: 'jewelry and watches', pattern: /\b(jewel(le)?ry|watch(es)?|luxury)\b/ },
  { name: 'designer fashion', pattern: /\b(designer|handbags?|sneakers?)\b/ },
  { name: 'tickets', pattern: /\b(tickets?)\b/ },
];

/** Gift cards by category or item name. */
const giftCardPattern = /\b(gift ?cards?|vouchers?|prepaid cards?)\b/;

const normalize = (s: string | undefined): string =>
  (s ?? '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

const MS_PER_DAY = 86_400_000;

/**
 * Heuristic for machine-generated mailbox names, applied to the local part without its
 * `+tag`. Any one of:
 *  - a run of 6+ digits                     (`anna738291`)
 *  - a run of 6+ consonants, `y` a vowel    (`xkqjzvbn`)
 *  - 4+ switches between letters and digits (`a8f3k2m9`)
 * Cheap and explainable rather than clever; it has false positives (some surnames have
 * long consonant runs), which is why the rule using it carries few points.
 */
export function looksRandom(localPart: string): boolean {
  const local = localPart.toLowerCase().split('+')[0];
  if (/\d{6,}/.test(local)) return true;
  if (/[bcdfghjklmnpqrstvwxz]{6,}/.test(local)) return true;
  const alnum = local.replace(/[^a-z0-9]/g, '');
  let switches = 0;
  for (let i = 1; i < alnum.length; i++) {
    if (/\d/.test(alnum[i]) !== /\d/.test(alnum[i - 1])) switches++;
  }
  return switches >= 4;
}

/** True if `domain` or one of its parent domains is a disposable-mailbox provider. */
export function isDisposableDomain(domain: string): boolean {
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    if (disposableEmailDomains.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}

/** Whole days from `from` to `to` (ISO strings), floored at 0; null if either is unparsable. */
function daysBetween(from: string | undefined, to: string): number | null {
  if (!from) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.max(0, Math.floor((b - a) / MS_PER_DAY));
}

/** Both addresses present and, on the fields both carry, some street/city/postal field differs. */
function addressesDiffer(a: Address | undefined, b: Address | undefined): boolean {
  if (!a || !b) return false;
  const fields = ['line1', 'line2', 'city', 'postalCode'] as const;
  return fields.some((k) => a[k] !== undefined && b[k] !== undefined && normalize(a[k]) !== normalize(b[k]));
}

const isEmpty = (o: object | undefined): boolean => !o || Object.values(o).every((v) => v === undefined);

export function extractFeatures(input: ScoreInput): Features {
  const { order, velocity } = input;
  const { customer, payment, device, billingAddress: billing, shippingAddress: shipping } = order;

  // Email: only derived booleans leave this function, never the address itself.
  const at = customer.email.lastIndexOf('@');
  const emailLocal = customer.email.slice(0, at);
  const emailDomain = customer.email.slice(at + 1);

  const billingCountry = billing?.country ?? null;
  const shippingCountry = shipping?.country ?? null;
  const ipCountry = device?.ipCountry ?? null;
  const cardCountry = payment?.card?.country ?? null;
  const isProxy = device?.isProxy ?? null;

  const shippingBillingCountryMismatch =
    billingCountry !== null && shippingCountry !== null && billingCountry !== shippingCountry;

  // The customer's "home" for the card check: billing country, else shipping country.
  const homeCountry = billingCountry ?? shippingCountry;
  const cardCountryMismatch = cardCountry !== null && homeCountry !== null && cardCountry !== homeCountry;

  const knownCountries = [billingCountry, shippingCountry, cardCountry].filter((c): c is string => c !== null);
  const ipCountryMismatch =
    isProxy !== true && ipCountry !== null && knownCountries.length > 0 && !knownCountries.includes(ipCountry);

  // Basket.
  const riskyNames = new Set<string>();
  let riskyAmount = 0;
  let hasGiftCards = false;
  let quantity = 0;
  for (const item of order.items) {
    quantity += item.quantity;
    const category = normalize(item.category);
    const matched = riskyCategoryPatterns.filter((c) => c.pattern.test(category));
    const giftCard = giftCardPattern.test(category) || giftCardPattern.test(normalize(item.name));
    if (giftCard) {
      hasGiftCards = true;
      matched.push(riskyCategoryPatterns[0]);
    }
    for (const m of matched) riskyNames.add(m.name);
    if (matched.length > 0) riskyAmount += item.quantity * item.unitAmount;
  }

  const customerHomes = [billingCountry, cardCountry].filter((c): c is string => c !== null);
  const giftCardsToThirdCountry =
    hasGiftCards && shippingCountry !== null && customerHomes.length > 0 && !customerHomes.includes(shippingCountry);

  const missingData: DataGroup[] = [];
  if (isEmpty(payment)) missingData.push('payment');
  if (isEmpty(billing)) missingData.push('billing address');
  if (isEmpty(shipping)) missingData.push('shipping address');
  if (isEmpty(device)) missingData.push('device');
  if (customer.accountCreatedAt === undefined && customer.previousOrders === undefined) {
    missingData.push('account history');
  }

  return {
    amount: order.amount,
    currency: order.currency,
    quantity,

    accountAgeDays: daysBetween(customer.accountCreatedAt, input.now),
    previousOrders: customer.previousOrders ?? null,
    previousChargebacks: customer.previousChargebacks ?? null,
    disposableEmail: isDisposableDomain(emailDomain),
    randomEmailLocalPart: looksRandom(emailLocal),

    billingCountry,
    shippingCountry,
    ipCountry,
    cardCountry,
    shippingBillingCountryMismatch,
    shippingBillingAddressDiffer: !shippingBillingCountryMismatch && addressesDiffer(billing, shipping),
    cardCountryMismatch,
    ipCountryMismatch,
    shippingAddressIncomplete: !isEmpty(shipping) && (!shipping?.line1 || !shipping.city || !shipping.country),

    paymentMethod: payment?.method ?? null,
    avsResult: payment?.avsResult ?? null,
    cvvResult: payment?.cvvResult ?? null,
    threeDSecure: payment?.threeDSecure ?? null,
    failedAttempts: payment?.failedAttempts ?? null,

    isProxy,

    riskyCategories: [...riskyNames].sort(),
    riskyAmount,
    hasGiftCards,
    giftCardsToThirdCountry,

    velocityCardHour: velocity.card.hour,
    velocityCardDay: velocity.card.day,
    velocityEmailHour: velocity.email.hour,
    velocityEmailDay: velocity.email.day,
    velocityDeviceHour: velocity.device.hour,
    velocityDeviceDay: velocity.device.day,
    velocityIpHour: velocity.ip.hour,
    velocityIpDay: velocity.ip.day,
    velocityShippingAddressHour: velocity.shippingAddress.hour,
    velocityShippingAddressDay: velocity.shippingAddress.day,

    blocklistHits: [...new Set(input.blocklistHits)].sort(),
    missingData,
  };
}

/** The velocity counts of one dimension, read back from the flat record. */
export function velocityOf(f: Features, dimension: VelocityDimension): WindowCounts {
  switch (dimension) {
    case 'card':
      return { hour: f.velocityCardHour, day: f.velocityCardDay };
    case 'email':
      return { hour: f.velocityEmailHour, day: f.velocityEmailDay };
    case 'device':
      return { hour: f.velocityDeviceHour, day: f.velocityDeviceDay };
    case 'ip':
      return { hour: f.velocityIpHour, day: f.velocityIpDay };
    case 'shippingAddress':
      return { hour: f.velocityShippingAddressHour, day: f.velocityShippingAddressDay };
  }
}

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
import { z } from 'zod';
import { paymentSchema, type Address, type Order } from '../domain/order';
import {
  listHitNames,
  outcomeDimensions,
  velocityDimensions,
  dimensionLabels,
  type ScoreInput,
  type VelocityDimension,
  type WindowCounts,
} from './types';
import { VELOCITY_CAP, saturated } from './velocity';

type Payment = NonNullable<Order['payment']>;
export type CheckResult = NonNullable<Payment['avsResult']>;
export type ThreeDSecure = NonNullable<Payment['threeDSecure']>;
export type PaymentMethod = NonNullable<Payment['method']>;

/** Groups of optional order data that sharpen the score when present. */
export const dataGroups = ['payment', 'billing address', 'shipping address', 'device', 'account history'] as const;
export type DataGroup = (typeof dataGroups)[number];

/** Canonical names of the risky categories (see `riskyCategoryPatterns`). */
export const riskyCategoryNames = ['gift cards', 'electronics', 'jewelry and watches', 'designer fashion', 'tickets'] as const;

const payment = paymentSchema.shape;
const country = () => z.string().regex(/^[A-Z]{2}$/).nullable();
const count = () => z.number().int().min(0);
const priorCounts = (outcome: string) =>
  z.object(
    Object.fromEntries(
      outcomeDimensions.map((d) => [d, count().describe(`earlier orders with this ${dimensionLabels[d]} marked ${outcome}`)]),
    ) as Record<(typeof outcomeDimensions)[number], ReturnType<typeof count>>,
  );

const windowSchema = (d: VelocityDimension) =>
  z.object({
    hour: count().describe(`earlier orders with this ${dimensionLabels[d]} in the last hour (this order not included)`),
    day: count().describe(`earlier orders with this ${dimensionLabels[d]} in the last day`),
    saturated: z
      .boolean()
      .describe(`this ${dimensionLabels[d]}'s history reached the read cap (${VELOCITY_CAP}): hour and day mean "that many or more"`),
  });

/**
 * The features record, declared once: its TypeScript type, the field list of
 * `GET /v1/rulesets/fields` (`feature.<path>`), and the types the ruleset validator
 * checks conditions against all come from this schema.
 */
export const featuresSchema = z.object({
  // --- money -------------------------------------------------------------------
  amount: count().describe("order total in minor units of the order's currency"),
  currency: z.string().regex(/^[A-Z]{3}$/).describe('ISO 4217 code of the order'),
  quantity: count().describe('sum of item quantities'),

  // --- customer ----------------------------------------------------------------
  accountAgeDays: count().nullable().describe('whole days since the account was created; null if unknown'),
  previousOrders: count().nullable().describe("the customer's previous orders; null if unknown"),
  previousChargebacks: count().nullable().describe("the customer's previous chargebacks; null if unknown"),
  disposableEmail: z.boolean().describe('email at a well-known throw-away mailbox provider'),
  randomEmailLocalPart: z.boolean().describe('email local part looks machine-generated'),

  // --- geography (ISO 3166-1 alpha-2, upper case) --------------------------------
  billingCountry: country().describe('billing country'),
  shippingCountry: country().describe('shipping country'),
  ipCountry: country().describe("the IP address's country"),
  cardCountry: country().describe("the card's issuing country"),
  homeCountry: country().describe("the customer's country: billing country, else shipping country"),
  shippingBillingCountryMismatch: z.boolean().describe('shipping and billing countries both known and different'),
  shippingBillingAddressDiffer: z
    .boolean()
    .describe('same country (or a country unknown) but a different street, city or postal code'),
  cardCountryMismatch: z.boolean().describe('card country differs from the home country'),
  ipCountryMismatch: z
    .boolean()
    .describe('IP country differs from every known billing / shipping / card country (never behind a proxy)'),
  shippingAddressIncomplete: z.boolean().describe('a shipping address was given but lacks street, city or country'),

  // --- payment -----------------------------------------------------------------
  paymentMethod: payment.method.unwrap().nullable().describe('payment method; null if unknown'),
  avsResult: payment.avsResult.unwrap().nullable().describe('AVS result; null if unknown'),
  cvvResult: payment.cvvResult.unwrap().nullable().describe('CVV result; null if unknown'),
  threeDSecure: payment.threeDSecure.unwrap().nullable().describe('3-D Secure result; null if unknown'),
  failedAttempts: count().nullable().describe('failed payment attempts before this one; null if unknown'),

  // --- device ------------------------------------------------------------------
  isProxy: z.boolean().nullable().describe('placed through a proxy or VPN; null if unknown'),

  // --- basket ------------------------------------------------------------------
  riskyCategories: z.array(z.enum(riskyCategoryNames)).describe('risky categories in the basket, sorted'),
  riskyAmount: count().describe('minor units spent on items of risky categories'),
  hasGiftCards: z.boolean().describe('the basket holds gift cards, vouchers or prepaid cards'),
  giftCardsToThirdCountry: z
    .boolean()
    .describe('gift cards shipped to a country that is neither the billing nor the card country'),

  // --- velocity: earlier orders with the same value (this order not included) ----
  velocity: z.object(Object.fromEntries(velocityDimensions.map((d) => [d, windowSchema(d)])) as Record<VelocityDimension, ReturnType<typeof windowSchema>>),

  // --- lists, outcomes & completeness ---------------------------------------------
  blocklistHits: z.array(z.enum(listHitNames)).describe('what of this order is on the block list (types, never values)'),
  allowlistHits: z.array(z.enum(listHitNames)).describe("what of this order is on the allow list (types, never values)"),
  priorChargeback: priorCounts('chargeback'),
  priorFraud: priorCounts('fraud_confirmed'),
  missingData: z.array(z.enum(dataGroups)).describe('optional data groups absent from the order'),

  // --- what uploads show (0 when an order is scored) --------------------------------
  duplicateDocuments: count().describe(
    "other customers' checks holding a document that matches an upload of this check (0 when an order is scored; the check workflow applies DUPLICATE_DOCUMENT when an upload matches)",
  ),
});

/**
 * One flat-ish, typed record the rules read. `null` means "unknown / not supplied":
 * missing data is never fraud by itself, and a comparison with `null` is false.
 */
export type Features = z.infer<typeof featuresSchema>;

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
export const riskyCategoryPatterns: ReadonlyArray<{ name: (typeof riskyCategoryNames)[number]; pattern: RegExp }> = [
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

const windowOf = (w: WindowCounts): Features['velocity']['card'] => ({ hour: w.hour, day: w.day, saturated: saturated(w) });

const priorOf = (input: ScoreInput, kind: 'chargeback' | 'fraudConfirmed'): Features['priorChargeback'] => ({
  card: input.priorOutcomes?.card?.[kind] ?? 0,
  email: input.priorOutcomes?.email?.[kind] ?? 0,
  device: input.priorOutcomes?.device?.[kind] ?? 0,
  shippingAddress: input.priorOutcomes?.shippingAddress?.[kind] ?? 0,
});

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
  const riskyNames = new Set<(typeof riskyCategoryNames)[number]>();
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
    homeCountry,
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

    velocity: {
      card: windowOf(velocity.card),
      email: windowOf(velocity.email),
      device: windowOf(velocity.device),
      ip: windowOf(velocity.ip),
      shippingAddress: windowOf(velocity.shippingAddress),
    },

    blocklistHits: [...new Set(input.blocklistHits)].sort(),
    allowlistHits: [...new Set(input.allowlistHits ?? [])].sort(),
    priorChargeback: priorOf(input, 'chargeback'),
    priorFraud: priorOf(input, 'fraudConfirmed'),
    missingData,
    duplicateDocuments: input.duplicateDocuments ?? 0,
  };
}

/** The velocity counts of one dimension, read back from the record. */
export function velocityOf(f: Features, dimension: VelocityDimension): WindowCounts {
  const { hour, day } = f.velocity[dimension];
  return { hour, day };
}

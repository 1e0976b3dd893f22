/**
 * The order the pipeline submits for a check (`POST /v1/checks`, `/openapi.json`).
 *
 * One zod schema validates requests, types the code and generates `/openapi.json`.
 * Only `orderId`, `amount`, `currency`, `customer.email` and `items` are required;
 * every other field, when present, sharpens the score.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, upper case');
const text = (max: number) => z.string().trim().min(1).max(max);

export const moneyAmount = z.number().int().min(0).max(1_000_000_000_00);
export const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case');

export const addressSchema = z.object({
  line1: text(200).optional(),
  line2: text(200).optional(),
  city: text(100).optional(),
  postalCode: text(20).optional(),
  region: text(100).optional(),
  country: country.optional(),
});

export const customerSchema = z.object({
  id: text(128).optional(),
  email: z.email().max(254),
  phone: z.string().regex(/^\+?[0-9 ()-]{5,20}$/, 'a phone number').optional(),
  name: text(200).optional(),
  accountCreatedAt: isoTime.optional(),
  previousOrders: z.number().int().min(0).max(1_000_000).optional(),
  previousChargebacks: z.number().int().min(0).max(1_000_000).optional(),
});

const checkResult = z.enum(['match', 'partial', 'mismatch', 'unavailable', 'not_checked']);

export const paymentSchema = z.object({
  method: z.enum(['card', 'paypal', 'bank_transfer', 'gift_card', 'wallet', 'other']).optional(),
  card: z
    .object({
      bin: z.string().regex(/^[0-9]{6,8}$/).optional(),
      last4: z.string().regex(/^[0-9]{4}$/).optional(),
      country: country.optional(),
      fingerprint: text(128).optional(),
    })
    .optional(),
  avsResult: checkResult.optional(),
  cvvResult: checkResult.optional(),
  threeDSecure: z.enum(['authenticated', 'attempted', 'failed', 'not_enrolled', 'not_performed']).optional(),
  failedAttempts: z.number().int().min(0).max(10_000).optional(),
});

export const itemSchema = z.object({
  sku: text(128).optional(),
  name: text(300).optional(),
  category: text(100).optional(),
  quantity: z.number().int().min(1).max(100_000),
  unitAmount: moneyAmount,
});

export const deviceSchema = z.object({
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  ipCountry: country.optional(),
  userAgent: z.string().max(1000).optional(),
  fingerprint: text(256).optional(),
  isProxy: z.boolean().optional(),
});

export const orderSchema = z.object({
  orderId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, and _ . : - only'),
  placedAt: isoTime.optional(),
  amount: moneyAmount,
  currency,
  channel: z.enum(['web', 'mobile_app', 'phone', 'marketplace', 'pos', 'other']).optional(),
  customer: customerSchema,
  payment: paymentSchema.optional(),
  billingAddress: addressSchema.optional(),
  shippingAddress: addressSchema.optional(),
  items: z.array(itemSchema).min(1).max(500),
  device: deviceSchema.optional(),
});

export type Order = z.infer<typeof orderSchema>;
export type Address = z.infer<typeof addressSchema>;

export { documentKinds, type DocumentKind } from './kinds';

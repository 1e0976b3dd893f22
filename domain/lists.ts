/**
 * The block and allow lists (API.md, "Lists"), pure: which values an entry may
 * hold, how a value is normalised before it is pseudonymised (so that what the
 * shop types and what an order carries meet), the hint people see instead of the
 * value, and which values of an order each list type looks at. No I/O, no secret:
 * the pseudonym itself is made where the secret is (app/lists.ts, activities/lists.ts).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { listTypes, type ListType } from '../scoring/types';
import type { Order } from './order';

export { listTypes, type ListType };

export const listNames = ['block', 'allow'] as const;
export type ListName = (typeof listNames)[number];

/** `shipping_address` entries are objects shaped like an order's `shippingAddress` (API.md). */
export const addressValueSchema = z
  .object({
    line1: z.string().trim().min(1).max(200),
    postalCode: z.string().trim().max(20).optional(),
    country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country'),
  })
  .loose();
export type AddressValue = z.infer<typeof addressValueSchema>;

export type ListValue = string | AddressValue;

/** Why a value cannot be an entry of that type (a message for people), or its normal form. */
export type Normalised = { ok: true; value: string } | { ok: false; problem: string };

const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');
const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();

/** Canonical IPv6 text (`::1`, lower case, zeros compressed), as the URL parser writes it. */
function canonicalIp(ip: string): string | undefined {
  const v = isIP(ip);
  if (v === 4) return ip.split('.').map((o) => String(Number(o))).join('.');
  if (v === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return undefined;
}

/**
 * The normal form of a value of a type: what is pseudonymised. Emails match
 * case-insensitively; shipping addresses on `line1`, `postalCode` and `country`,
 * ignoring case and whitespace (API.md); phones on their digits (and a leading `+`).
 */
export function normaliseListValue(type: ListType, value: unknown): Normalised {
  if (type === 'shipping_address') {
    const parsed = addressValueSchema.safeParse(value);
    if (!parsed.success) return { ok: false, problem: 'a shipping address is an object with line1, postalCode and country' };
    const a = parsed.data;
    return { ok: true, value: [squash(a.line1), squash(a.postalCode ?? ''), a.country.toUpperCase()].join('|') };
  }
  if (typeof value !== 'string') return { ok: false, problem: `a ${type} value is a string` };
  const text = value.trim();
  if (!text || text.length > 320) return { ok: false, problem: `a ${type} value has 1 to 320 characters` };
  switch (type) {
    case 'email': {
      const lower = text.toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(lower) ? { ok: true, value: lower } : { ok: false, problem: 'not an email address' };
    }
    case 'email_domain': {
      const domain = text.toLowerCase().replace(/^@/, '');
      return /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain)
        ? { ok: true, value: domain }
        : { ok: false, problem: 'not an email domain (e.g. example.com)' };
    }
    case 'card_bin':
      return /^\d{6,8}$/.test(text) ? { ok: true, value: text } : { ok: false, problem: 'a card BIN is 6 to 8 digits' };
    case 'ip': {
      const ip = canonicalIp(text);
      return ip ? { ok: true, value: ip } : { ok: false, problem: 'not an IPv4 or IPv6 address' };
    }
    case 'phone': {
      const phone = text.replace(/[\s().-]/g, '');
      return /^\+?\d{5,20}$/.test(phone) ? { ok: true, value: phone } : { ok: false, problem: 'a phone number is 5 to 20 digits, optionally after a +' };
    }
    case 'card_fingerprint':
    case 'device':
    case 'customer_id':
      return text.length <= 200 ? { ok: true, value: collapse(text) } : { ok: false, problem: `a ${type} value has at most 200 characters` };
  }
}

const stars = '***';
/** The first `n` characters and stars: enough to recognise, never the whole value. */
const keep = (s: string, n: number) => `${s.slice(0, Math.min(n, Math.max(0, s.length - 2)))}${stars}`;
const tail = (s: string, n: number) => `${stars}${s.slice(Math.max(2, s.length - n))}`;

/**
 * What people see of an entry instead of its value (API.md: "enough to recognise
 * the value, e.g. a***@example.com"). Never the whole value: at most a few
 * characters of the part that identifies a person.
 */
export function listHint(type: ListType, normalised: string): string {
  switch (type) {
    case 'email': {
      const at = normalised.lastIndexOf('@');
      return `${keep(normalised.slice(0, at), 1)}${normalised.slice(at)}`;
    }
    case 'email_domain': {
      const dot = normalised.lastIndexOf('.');
      return `${keep(normalised.slice(0, dot), 2)}${normalised.slice(dot)}`;
    }
    case 'card_bin':
      return `${normalised.slice(0, 4)}${'*'.repeat(normalised.length - 4)}`;
    case 'ip':
      return normalised.includes(':') ? `${normalised.split(':')[0]}:${stars}` : `${normalised.split('.').slice(0, 2).join('.')}.*.*`;
    case 'phone':
      return tail(normalised, 3);
    case 'shipping_address': {
      const [, postal, country] = normalised.split('|');
      return `${stars} ${postal ? keep(postal, 2) : ''} ${country}`.replace(/\s+/g, ' ');
    }
    case 'card_fingerprint':
    case 'device':
    case 'customer_id':
      return tail(normalised, 4);
  }
}

/**
 * The values of an order each list type looks at, normalised (absent ones left
 * out). A card BIN entry of 6, 7 or 8 digits matches an order's BIN that starts
 * with it, so the order offers each of its prefixes.
 */
export function orderListValues(order: Order): Array<{ type: ListType; value: string }> {
  const out: Array<{ type: ListType; value: string }> = [];
  const add = (type: ListType, raw: unknown) => {
    if (raw === undefined || raw === null || raw === '') return;
    const n = normaliseListValue(type, raw);
    if (n.ok && !out.some((o) => o.type === type && o.value === n.value)) out.push({ type, value: n.value });
  };
  const email = order.customer.email;
  add('email', email);
  add('email_domain', email.slice(email.lastIndexOf('@') + 1));
  add('card_fingerprint', order.payment?.card?.fingerprint);
  const bin = order.payment?.card?.bin;
  if (bin && /^\d{6,}$/.test(bin)) for (const n of [6, 7, 8]) if (bin.length >= n) add('card_bin', bin.slice(0, n));
  add('device', order.device?.fingerprint);
  add('ip', order.device?.ip);
  add('phone', order.customer.phone);
  add('customer_id', order.customer.id);
  const ship = order.shippingAddress;
  if (ship?.line1 && ship.country) add('shipping_address', { line1: ship.line1, postalCode: ship.postalCode, country: ship.country });
  return out;
}

/** The order's value of one type, for putting it on a list (a BIN is the whole BIN, up to 8 digits). */
export function orderValueOf(order: Order, type: ListType): string | undefined {
  const values = orderListValues(order).filter((v) => v.type === type);
  return values.length ? values[values.length - 1].value : undefined;
}

/** The fields of a new entry (API.md); `value` is checked against `type` by `normaliseListValue`. */
export const newEntrySchema = z
  .object({
    type: z.enum(listTypes),
    value: z.union([z.string().max(320), z.record(z.string(), z.unknown())]),
    reason: z.string().trim().min(1, 'a reason is required').max(500),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type NewEntry = z.infer<typeof newEntrySchema>;

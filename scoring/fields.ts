/**
 * The fields a ruleset's conditions may read (`GET /v1/rulesets/fields`), and how to
 * read them. Generated from two zod schemas, never listed by hand:
 *
 * - `order.<path>`: the check body (`domain/order.ts`), but only the part in
 *   `orderFactsSchema`: amounts, currency, channel, counts, countries, regions, the
 *   card's BIN, payment results and item categories, quantities and prices. That part
 *   holds no personal data, so it is recorded with every decision and every rule can
 *   be backtested on past checks. E-mail, names, phone, address lines, city, postal
 *   code, IP, user agent, fingerprints and free text are not fields: a condition on
 *   them is refused with the reason (`unavailableField`), and features derived from
 *   them in code (`feature.disposableEmail`, ...) take their place.
 * - `feature.<path>`: the computed features (`featuresSchema` in features.ts).
 *
 * `order.items[].category` reads every item: a condition on it holds when it holds
 * for any item. Lists among the features (`feature.riskyCategories`) read the same
 * way. Every list also has `<list>.count` (`order.items.count`,
 * `feature.missingData.count`): how many elements it has, 0 when absent.
 *
 * Pure; the lists are built once.
 */
import { z } from 'zod';
import { addressSchema, customerSchema, deviceSchema, itemSchema, orderSchema, paymentSchema, type Order } from '../domain/order';
import { featuresSchema } from './features';

/** The PII-free part of the check body that rules may read and that is recorded with each decision. */
export const orderFactsSchema = z.object({
  amount: orderSchema.shape.amount.describe("order total in minor units of the order's currency"),
  currency: orderSchema.shape.currency.describe('ISO 4217 code'),
  channel: orderSchema.shape.channel,
  customer: customerSchema.pick({ previousOrders: true, previousChargebacks: true }),
  payment: paymentSchema
    .pick({ method: true, avsResult: true, cvvResult: true, threeDSecure: true, failedAttempts: true })
    .extend({
      card: paymentSchema.shape.card
        .unwrap()
        .pick({ bin: true, country: true })
        .describe("the card's issuer identification number (BIN) and issuing country, never the number")
        .optional(),
    })
    .optional(),
  billingAddress: addressSchema.pick({ region: true, country: true }).optional(),
  shippingAddress: addressSchema.pick({ region: true, country: true }).optional(),
  items: z.array(itemSchema.pick({ category: true, quantity: true, unitAmount: true })),
  device: deviceSchema.pick({ ipCountry: true, isProxy: true }).optional(),
});
export type OrderFacts = z.infer<typeof orderFactsSchema>;

export type FieldType = 'number' | 'string' | 'boolean';

/** One readable field, as `GET /v1/rulesets/fields` lists it. */
export interface Field {
  path: string;
  type: FieldType;
  /** The only values a string field takes (an enumeration). */
  values?: readonly string[];
  /** Many-valued: a condition holds when it holds for any element. */
  list: boolean;
  /** May be absent (optional in the order, null among features): every comparison with an absent value is false. */
  nullable: boolean;
  description: string;
}

/** `GET /v1/rulesets/fields` items (OpenAPI). */
export const fieldSchema = z.object({
  path: z.string(),
  type: z.enum(['number', 'string', 'boolean']),
  values: z.array(z.string()).optional(),
  list: z.boolean(),
  nullable: z.boolean(),
  description: z.string(),
});

/** How to reach a value: object keys, `each` fans out over an array, `count` takes an array's length. */
type Step = { key: string } | { each: true } | { count: true };

export interface FieldSpec {
  field: Field;
  /** Schema of one value of the field: condition values are checked against it. */
  valueSchema: z.ZodType;
  steps: Step[];
}

/** The record conditions are evaluated on: live, the whole order; in a backtest, its recorded facts. */
export interface FieldContext {
  order: OrderFacts | Order;
  feature: unknown;
}

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
}
const defOf = (s: z.ZodType): ZodDef => (s as unknown as { _zod: { def: ZodDef } })._zod.def;

const scalarTypes: Record<string, FieldType> = { string: 'string', number: 'number', int: 'number', boolean: 'boolean', enum: 'string' };

/** Walks a schema to its leaves: one spec per scalar field, plus `.count` per array. */
function walk(schema: z.ZodType, path: string, steps: Step[], out: FieldSpec[], list = false, nullable = false, description?: string): void {
  const def = defOf(schema);
  const describe = description ?? schema.description;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return walk(def.innerType!, path, steps, out, list, true, describe);
    case 'object':
      for (const [key, child] of Object.entries((schema as z.ZodObject).shape)) {
        walk(child as z.ZodType, `${path}.${key}`, [...steps, { key }], out, list, nullable);
      }
      return;
    case 'array': {
      const element = def.element!;
      const ofObjects = defOf(element).type === 'object';
      out.push({
        field: { path: `${path}.count`, type: 'number', list: false, nullable: false, description: `how many elements ${path} has (0 when absent)` },
        valueSchema: z.number().int().min(0),
        steps: [...steps, { count: true }],
      });
      return walk(element, ofObjects ? `${path}[]` : path, [...steps, { each: true }], out, true, nullable, ofObjects ? undefined : describe);
    }
    case 'union': {
      // Only unions of strings (e.g. IPv4 | IPv6) are leaves.
      if (!def.options!.every((o) => defOf(o).type === 'string')) throw new Error(`${path}: unsupported union`);
      return leaf('string');
    }
    default: {
      const type = scalarTypes[def.type];
      if (!type) throw new Error(`${path}: unsupported schema type ${def.type}`);
      return leaf(type);
    }
  }
  function leaf(type: FieldType): void {
    const values = def.type === 'enum' ? Object.values(def.entries!) : undefined;
    out.push({
      field: { path, type, ...(values ? { values } : {}), list, nullable, description: describe ?? `the check body's ${path.slice('order.'.length)}` },
      valueSchema: schema,
      steps,
    });
  }
}

const specsOf = (schema: z.ZodType, root: 'order' | 'feature'): FieldSpec[] => {
  const out: FieldSpec[] = [];
  walk(schema, root, [{ key: root }], out);
  return out;
};

let specs: Map<string, FieldSpec> | undefined;
function fieldSpecs(): Map<string, FieldSpec> {
  specs ??= new Map([...specsOf(orderFactsSchema, 'order'), ...specsOf(featuresSchema, 'feature')].map((s) => [s.field.path, s]));
  return specs;
}

/** Every field a condition may read, with its type (`GET /v1/rulesets/fields`). */
export function rulesetFields(): Field[] {
  return [...fieldSpecs().values()].map((s) => s.field);
}

export const fieldSpec = (path: string): FieldSpec | undefined => fieldSpecs().get(path);

/** Why the check body's fields outside the facts are not fields, by what they are. */
const unavailable: Array<[RegExp, string]> = [
  [/^order\.orderId$/, 'an identifier, not a signal'],
  [/^order\.placedAt$/, 'a time is not compared as text; use feature.accountAgeDays'],
  [/^order\.customer\.accountCreatedAt$/, 'use feature.accountAgeDays'],
  [/^order\.customer\.email$/, 'personal data, never recorded; use feature.disposableEmail or feature.randomEmailLocalPart'],
  [/^order\.customer\./, 'personal data, never recorded'],
  [/^order\.payment\.card\./, 'personal data (part of the card number or its fingerprint), never recorded; order.payment.card.bin and .country are fields'],
  [/^order\.(billing|shipping)Address\./, 'personal data (address line, city or postal code), never recorded; use .country, .region or feature.shippingBillingAddressDiffer'],
  [/^order\.items\[\]\./, 'free text about the purchase, not recorded; use order.items[].category or feature.hasGiftCards'],
  [/^order\.device\./, 'personal data (IP, user agent or device fingerprint), never recorded; use order.device.ipCountry or feature.ipCountryMismatch'],
];

let allOrderPaths: Set<string> | undefined;

/**
 * Why a path that names a part of the check body is not a field (personal data, an
 * identifier, ...); undefined when the path is a field or names nothing at all.
 */
export function unavailableField(path: string): string | undefined {
  if (fieldSpecs().has(path)) return undefined;
  allOrderPaths ??= new Set(specsOf(orderSchema, 'order').map((s) => s.field.path));
  if (!allOrderPaths.has(path)) return undefined;
  return unavailable.find(([pattern]) => pattern.test(path))?.[1] ?? 'not recorded with decisions';
}

/** A reader of one field: a single value (or undefined), or every value of a list field. */
export type Getter = (ctx: FieldContext) => unknown;

/** Whether `test` holds for any present value of a list field (no array is built). */
export type AnyOf = (ctx: FieldContext, test: (v: unknown) => boolean) => boolean;

const keysOf = (steps: readonly Step[]): string[] => steps.map((s) => (s as { key: string }).key);

/**
 * Compiles a field's path into a reader. A single-valued field answers its value or
 * undefined; a list field answers an array of its present values (empty when none).
 */
export function getterOf(spec: FieldSpec): Getter {
  const steps = spec.steps;
  if (steps.some((s) => 'count' in s)) {
    const path = keysOf(steps.slice(0, -1));
    return (ctx) => {
      const list = follow(ctx, path);
      return Array.isArray(list) ? list.length : 0;
    };
  }
  if (!spec.field.list) return pathReader(keysOf(steps));
  const any = anyOf(spec);
  return (ctx) => {
    const out: unknown[] = [];
    any(ctx, (v) => {
      out.push(v);
      return false;
    });
    return out;
  };
}

/** For a list field: a test over its present values, stopping at the first that passes. */
export function anyOf(spec: FieldSpec): AnyOf {
  const fanOut = spec.steps.findIndex((s) => 'each' in s);
  if (fanOut < 0) throw new Error(`${spec.field.path} is not a list`);
  const head = pathReader(keysOf(spec.steps.slice(0, fanOut)));
  const tail = keysOf(spec.steps.slice(fanOut + 1));
  const [key] = tail;
  return (ctx, test) => {
    const list = head(ctx);
    if (!Array.isArray(list)) return false;
    for (const element of list) {
      const v = tail.length === 0 ? element : tail.length === 1 ? (element as Record<string, unknown> | null)?.[key] : follow(element, tail);
      if (v !== undefined && v !== null && test(v)) return true;
    }
    return false;
  };
}

function follow(from: unknown, keys: readonly string[]): unknown {
  let v = from;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Specialised readers for the common depths: evaluation is on every check's path. */
export function pathReader(keys: string[]): Getter {
  const [a, b, c, d] = keys;
  type O = Record<string, Record<string, Record<string, Record<string, unknown> | undefined> | undefined> | undefined>;
  switch (keys.length) {
    case 2:
      return (ctx) => (ctx as unknown as O)[a]?.[b];
    case 3:
      return (ctx) => (ctx as unknown as O)[a]?.[b]?.[c];
    case 4:
      return (ctx) => (ctx as unknown as O)[a]?.[b]?.[c]?.[d];
    default:
      return (ctx) => follow(ctx, keys);
  }
}

/** Copies of `value`'s parts that `schema` declares, and nothing else (absent parts stay absent). */
function pick(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  if (value === undefined || value === null) return value;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return pick(def.innerType!, value);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries((schema as z.ZodObject).shape)) {
        const v = pick(child as z.ZodType, (value as Record<string, unknown>)[key]);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'array':
      return (value as unknown[]).map((v) => pick(def.element!, v));
    default:
      return value;
  }
}

/** The PII-free facts of an order: what is recorded with its decision for backtests. */
export function orderFacts(order: Order): OrderFacts {
  return pick(orderFactsSchema, order) as OrderFacts;
}

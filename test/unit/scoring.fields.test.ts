/** The fields rules may read: generated from the schemas, free of personal data, read the same live and in backtests. */
import { expect } from 'chai';
import { z } from 'zod';
import { orderSchema } from '../../domain/order';
import { extractFeatures, featuresSchema } from '../../scoring/features';
import { fieldSpec, getterOf, orderFacts, orderFactsSchema, rulesetFields, unavailableField } from '../../scoring/fields';
import type { ScoreInput } from '../../scoring/types';
import { fixtureInputs, generatedInputs } from '../fixtures/scoringInputs';

const paths = () => rulesetFields().map((f) => f.path);
const read = (path: string, input: ScoreInput) => getterOf(fieldSpec(path)!)({ order: input.order, feature: extractFeatures(input) });

/** Everything personal in an order. */
function pii(input: ScoreInput): string[] {
  const { customer, payment, billingAddress, shippingAddress, device } = input.order;
  return [
    input.order.orderId,
    customer.email,
    customer.email.split('@')[0],
    customer.name,
    customer.phone,
    customer.id,
    payment?.card?.last4,
    payment?.card?.fingerprint,
    device?.ip,
    device?.fingerprint,
    device?.userAgent,
    billingAddress?.line1,
    billingAddress?.city,
    billingAddress?.postalCode,
    shippingAddress?.line1,
    shippingAddress?.city,
    shippingAddress?.postalCode,
    ...input.order.items.flatMap((i) => [i.name, i.sku]),
  ].filter((s): s is string => s !== undefined && s.length > 2);
}

describe('ruleset fields', () => {
  it('lists order paths (with [] for any item) and feature paths, with their types', () => {
    const byPath = new Map(rulesetFields().map((f) => [f.path, f]));
    expect(byPath.get('order.amount')).to.include({ type: 'number', list: false, nullable: false });
    expect(byPath.get('order.items[].category')).to.include({ type: 'string', list: true });
    expect(byPath.get('order.items.count')).to.include({ type: 'number', list: false });
    expect(byPath.get('order.payment.avsResult')!.values).to.deep.equal(['match', 'partial', 'mismatch', 'unavailable', 'not_checked']);
    expect(byPath.get('feature.velocity.card.hour')).to.include({ type: 'number' });
    expect(byPath.get('feature.velocity.card.saturated')).to.include({ type: 'boolean' });
    expect(byPath.get('feature.accountAgeDays')).to.include({ type: 'number', nullable: true });
    expect(byPath.get('feature.riskyCategories')).to.include({ type: 'string', list: true });
    expect(byPath.get('feature.priorChargeback.card')).to.include({ type: 'number' });
    expect(byPath.get('feature.allowlistHits')).to.include({ type: 'string', list: true });
    for (const f of rulesetFields()) expect(f.description, f.path).to.be.a('string').and.not.empty;
    expect(new Set(paths()).size).to.equal(paths().length);
  });

  it('holds no personal data: e-mail, names, phone, address lines, IP, user agent, fingerprints, free text', () => {
    for (const path of [
      'order.orderId',
      'order.customer.email',
      'order.customer.name',
      'order.customer.phone',
      'order.customer.id',
      'order.billingAddress.line1',
      'order.shippingAddress.postalCode',
      'order.shippingAddress.city',
      'order.payment.card.last4',
      'order.payment.card.fingerprint',
      'order.device.ip',
      'order.device.userAgent',
      'order.device.fingerprint',
      'order.items[].name',
      'order.items[].sku',
    ]) {
      expect(paths(), path).to.not.include(path);
      expect(unavailableField(path), path).to.be.a('string').and.not.empty;
    }
    expect(unavailableField('order.customer.email')).to.match(/personal data/);
    expect(unavailableField('order.nothing')).to.equal(undefined);
    expect(unavailableField('order.amount')).to.equal(undefined);
  });

  it('every part of the check body is either a field or refused with a reason (a new order field needs a decision)', () => {
    const leaves: string[] = [];
    const walk = (s: z.ZodType, path: string): void => {
      const def = (s as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType } } })._zod.def;
      if (def.type === 'optional' || def.type === 'nullable') return walk(def.innerType!, path);
      if (def.type === 'object') return Object.entries((s as z.ZodObject).shape).forEach(([k, v]) => walk(v as z.ZodType, `${path}.${k}`));
      if (def.type === 'array') return walk(def.element!, `${path}[]`);
      leaves.push(path);
    };
    walk(orderSchema, 'order');
    expect(leaves.length).to.be.greaterThan(30);
    for (const leaf of leaves) expect(paths().includes(leaf) || unavailableField(leaf) !== undefined, leaf).to.equal(true);
  });

  it("the features schema describes extractFeatures' record exactly", () => {
    const strict = z.strictObject(featuresSchema.shape);
    for (const input of [...fixtureInputs().map((f) => f.input), ...generatedInputs(100)]) {
      const f = extractFeatures(input);
      expect(strict.parse(f)).to.deep.equal(f);
    }
  });

  it('order facts carry no personal data and parse as facts', () => {
    for (const input of [...fixtureInputs().map((f) => f.input), ...generatedInputs(200)]) {
      const facts = orderFacts(input.order);
      orderFactsSchema.parse(facts);
      const json = JSON.stringify(facts);
      // As whole values: the BIN 411111 holds the last four digits 1111, and is no secret.
      for (const secret of pii(input)) expect(json, secret).to.not.include(JSON.stringify(secret));
    }
  });

  it('every field reads the same from the whole order and from its recorded facts', () => {
    const getters = paths().map((path) => [path, getterOf(fieldSpec(path)!)] as const);
    for (const input of [...fixtureInputs().map((f) => f.input), ...generatedInputs(150)]) {
      const feature = extractFeatures(input);
      const live = { order: input.order, feature };
      const recorded = { order: orderFacts(input.order), feature };
      for (const [path, get] of getters) expect(get(recorded), path).to.deep.equal(get(live));
    }
  });

  it('reads lists as all their present values, counts as their length', () => {
    const input = generatedInputs(1)[0];
    input.order.items = [
      { category: 'tools', quantity: 1, unitAmount: 100 },
      { quantity: 2, unitAmount: 200 },
      { category: 'books', quantity: 1, unitAmount: 300 },
    ];
    expect(read('order.items[].category', input)).to.deep.equal(['tools', 'books']);
    expect(read('order.items[].quantity', input)).to.deep.equal([1, 2, 1]);
    expect(read('order.items.count', input)).to.equal(3);
    delete input.order.device;
    expect(read('order.device.ipCountry', input)).to.equal(undefined);
    expect(read('feature.missingData.count', input)).to.equal(extractFeatures(input).missingData.length);
  });
});

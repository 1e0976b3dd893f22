/**
 * Scoring: fetch the velocity history and block-list hits of an order, hand them
 * to the pure engine, and record this order in the history. Idempotent: the
 * velocity record's `_id` is the order id, and counts exclude this order.
 */
import { assess } from '../scoring';
import type { RiskAssessment, VelocityCounts, VelocityDimension } from '../scoring/types';
import type { Order } from '../domain/order';
import { BlocklistModel, VelocityEventModel, isDuplicateKey } from '../models';
import { pseudonym } from '../lib/crypto';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Counts above this are reported as this (enough to trip every velocity rule, bounded work). */
const COUNT_CAP = 500;

const dimensions: VelocityDimension[] = ['card', 'email', 'device', 'ip', 'shippingAddress'];

/** The raw value of each velocity dimension of an order, normalised. */
export function velocityValues(order: Order): Partial<Record<VelocityDimension, string>> {
  const ship = order.shippingAddress;
  const address = ship?.line1 && ship.country
    ? [ship.line1, ship.postalCode ?? '', ship.city ?? '', ship.country].join('|').toLowerCase().replace(/\s+/g, ' ').trim()
    : undefined;
  return {
    card: order.payment?.card?.fingerprint,
    email: order.customer.email.trim().toLowerCase(),
    device: order.device?.fingerprint,
    ip: order.device?.ip,
    shippingAddress: address,
  };
}

export function createScoringActivities(secret: Buffer) {
  function pseudonyms(order: Order): Partial<Record<VelocityDimension, string>> {
    const values = velocityValues(order);
    const out: Partial<Record<VelocityDimension, string>> = {};
    for (const d of dimensions) {
      const value = values[d];
      if (value) out[d] = pseudonym(secret, d, value);
    }
    return out;
  }

  async function countVelocity(orderId: string, keys: Partial<Record<VelocityDimension, string>>, at: Date): Promise<VelocityCounts> {
    const dayAgo = new Date(at.getTime() - DAY);
    const hourAgo = at.getTime() - HOUR;
    const entries = await Promise.all(
      dimensions.map(async (d) => {
        const key = keys[d];
        if (!key) return [d, { hour: 0, day: 0 }] as const;
        // One query per dimension (equality is index-served; the time window is checked here).
        const seen = await VelocityEventModel.find({ [d]: key, _id: { $ne: orderId }, at: { $gte: dayAgo, $lte: at } }, { at: 1 })
          .limit(COUNT_CAP)
          .lean();
        const hour = seen.filter((e) => e.at.getTime() >= hourAgo).length;
        return [d, { hour, day: seen.length }] as const;
      }),
    );
    return Object.fromEntries(entries) as unknown as VelocityCounts;
  }

  return {
    /** Scores an order (a local activity on the decision path). */
    async scoreOrder(input: { checkId: string; order: Order; at: string }): Promise<RiskAssessment> {
      const at = new Date(input.at);
      const keys = pseudonyms(input.order);
      const present = dimensions.filter((d) => keys[d]);
      const [velocity, blocked] = await Promise.all([
        countVelocity(input.order.orderId, keys, at),
        BlocklistModel.find({ _id: { $in: present.map((d) => `${d}:${keys[d]}`) } }, { dimension: 1 }).lean(),
      ]);
      try {
        await VelocityEventModel.create({ _id: input.order.orderId, at, ...keys });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error; // a retry: already recorded
      }
      return assess({
        order: input.order,
        velocity,
        blocklistHits: blocked.map((b) => b.dimension as VelocityDimension),
        now: input.at,
      });
    },
  };
}

/** Adds a value to the block list (used by operators' scripts and tests). */
export async function blockValue(secret: Buffer, dimension: VelocityDimension, value: string, reason: string): Promise<void> {
  const normalised = dimension === 'email' ? value.trim().toLowerCase() : value;
  const id = `${dimension}:${pseudonym(secret, dimension, normalised)}`;
  await BlocklistModel.updateOne({ _id: id }, { $setOnInsert: { dimension, reason, createdAt: new Date() } }, { upsert: true });
}

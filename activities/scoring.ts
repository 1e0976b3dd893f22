/**
 * The decision: record the order in the velocity history, count the history and
 * fetch the block-list hits of the order, hand them to the pure engine, and write
 * the check's first state (read model and token) — one local activity on the
 * synchronous path of `POST /v1/checks`. Idempotent: the velocity record's `_id`
 * is the order id, counts exclude this order, writes are upserts or unique inserts.
 */
import { assess } from '../scoring';
import type { VelocityCounts, VelocityDimension } from '../scoring/types';
import { DAY_MS, VELOCITY_CAP, windowCounts } from '../scoring/velocity';
import type { Order } from '../domain/order';
import { decidedState, transitionAudit, type CheckState } from '../domain/check';
import { auditEvent } from './audit';
import { BlocklistModel, CheckModel, VelocityEventModel, isDuplicateKey } from '../models';
import { checkStateFromRecord, storedBodyHash } from '../models/check';
import type { Projection } from './readModel';
import { pseudonym } from '../lib/crypto';

const dimensions: VelocityDimension[] = ['card', 'email', 'device', 'ip', 'shippingAddress'];

/** The raw value of each velocity dimension of an order, normalised. */
export function velocityValues(order: Order): Partial<Record<VelocityDimension, string>> {
  const ship = order.shippingAddress;
  const address =
    ship?.line1 && ship.country
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

/**
 * Velocity keys are day-bucketed: an order is filed under its day and the next,
 * so one equality lookup on today's bucket finds every order since the start of
 * yesterday (UTC): all of the last 24 h, and older ones the counts leave out (the
 * database only serves equality from its indexes).
 */
export const dayBucket = (time: number): number => Math.floor(time / DAY_MS);
const bucketKey = (key: string, day: number) => `${key}:${day}`;
/** The buckets an order at `at` is filed under, for one dimension's pseudonym. */
export const velocityBuckets = (key: string, at: number): string[] => [bucketKey(key, dayBucket(at)), bucketKey(key, dayBucket(at) + 1)];

export interface DecideInput {
  checkId: string;
  order: Order;
  /** ISO time of the decision (the workflow's clock). */
  at: string;
  uploadDeadlineMs: number;
  reviewSlaMs: number;
  /** Recorded with the check (absent from workflows started before they were). */
  bodyHash?: string;
  retentionMs?: number;
}

export interface Decision {
  check: CheckState;
  requested: string[];
  /** Whether this deployment delivers webhooks (recorded in history, so replays agree). */
  webhooks: boolean;
  /**
   * The order already has a check under another id: its workflow ended and its
   * history is gone (the namespace's retention), so this workflow was started
   * anew. `check` is that existing check, nothing was scored or written, and
   * `bodyHash` is what it was submitted with (when known), `webhookSequence` the
   * last event it emitted.
   */
  existing?: { bodyHash?: string; webhookSequence?: number };
}

export function createScoringActivities(
  secret: Buffer,
  webhooksEnabled: boolean,
  record: (decision: Projection & { order: Order }) => Promise<void>,
) {
  function pseudonyms(order: Order): Partial<Record<VelocityDimension, string>> {
    const values = velocityValues(order);
    const out: Partial<Record<VelocityDimension, string>> = {};
    for (const d of dimensions) {
      const value = values[d];
      if (value) out[d] = pseudonym(secret, d, value);
    }
    return out;
  }

  /** Files the order under each of its values (a unique insert: a retry finds it there). */
  async function recordVelocity(orderId: string, keys: Partial<Record<VelocityDimension, string>>, at: number): Promise<void> {
    const buckets = Object.fromEntries(Object.entries(keys).map(([d, key]) => [d, velocityBuckets(key, at)]));
    await VelocityEventModel.create({ _id: orderId, at: new Date(at), ...buckets }).catch((error) => {
      if (!isDuplicateKey(error)) throw error; // a retry: already recorded
    });
  }

  /**
   * One equality lookup per dimension on today's bucket, capped: what comes back
   * is an arbitrary part of the bucket, so `windowCounts` counts it exactly only
   * when it is all of it, and calls it saturated otherwise.
   */
  async function countVelocity(orderId: string, keys: Partial<Record<VelocityDimension, string>>, at: number): Promise<VelocityCounts> {
    const today = dayBucket(at);
    const entries = await Promise.all(
      dimensions.map(async (d) => {
        const key = keys[d];
        if (!key) return [d, { hour: 0, day: 0 }] as const;
        const seen = await VelocityEventModel.find({ [d]: bucketKey(key, today), _id: { $ne: orderId } }, { at: 1 })
          .limit(VELOCITY_CAP)
          .lean();
        return [d, windowCounts(seen.map((e) => e.at.getTime()), at)] as const;
      }),
    );
    return Object.fromEntries(entries) as unknown as VelocityCounts;
  }

  async function blocklistHits(keys: Partial<Record<VelocityDimension, string>>): Promise<VelocityDimension[]> {
    const present = dimensions.filter((d) => keys[d]);
    // One `_id` lookup each: `$in` is not index-served on the embedded database.
    const found = await Promise.all(present.map((d) => BlocklistModel.exists({ _id: `${d}:${keys[d]}` })));
    return present.filter((_, i) => found[i]);
  }

  return {
    async decide(input: DecideInput): Promise<Decision> {
      const at = Date.parse(input.at);
      const keys = pseudonyms(input.order);
      // One check per order, ever: the read model's unique `orderId` knows it even when no workflow does.
      // (Looked up before anything is recorded: a purged order's velocity record must not come back.)
      const [existing, blocked] = await Promise.all([CheckModel.findOne({ orderId: input.order.orderId }).lean(), blocklistHits(keys)]);
      if (existing && existing._id !== input.checkId) {
        return { check: checkStateFromRecord(existing), requested: [], webhooks: webhooksEnabled, existing: { bodyHash: storedBodyHash(existing), webhookSequence: existing.webhookSequence ?? undefined } };
      }
      // Record first, then count: of orders on one card at once, each counts every
      // one recorded before its count, so the later ones of a burst see the earlier
      // ones (counting first, all of them saw none). A concurrent order may thus be
      // counted before its own decision is made: intended.
      await recordVelocity(input.order.orderId, keys, at);
      const velocity = await countVelocity(input.order.orderId, keys, at);
      const risk = assess({ order: input.order, velocity, blocklistHits: blocked, now: input.at });
      const check = decidedState({
        checkId: input.checkId,
        orderId: input.order.orderId,
        risk,
        createdAt: input.at,
        uploadDeadlineMs: input.uploadDeadlineMs,
        reviewSlaMs: input.reviewSlaMs,
      });
      await Promise.all([
        record({ check, order: input.order, bodyHash: input.bodyHash, retentionMs: input.retentionMs }),
        auditEvent(transitionAudit(check.checkId, check.timeline[0])),
      ]);
      return { check, requested: risk.requested, webhooks: webhooksEnabled };
    },
  };
}

/** Adds a value to the block list (for operators' scripts and tests). */
export async function blockValue(secret: Buffer, dimension: VelocityDimension, value: string, reason: string): Promise<void> {
  const normalised = dimension === 'email' ? value.trim().toLowerCase() : value;
  const id = `${dimension}:${pseudonym(secret, dimension, normalised)}`;
  await BlocklistModel.updateOne({ _id: id }, { $setOnInsert: { dimension, reason, createdAt: new Date() } }, { upsert: true });
}

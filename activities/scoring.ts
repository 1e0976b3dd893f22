/**
 * The decision: record the order in the velocity history, count the history,
 * fetch the order's block- and allow-list hits (app/lists.ts) and the outcomes of
 * earlier orders sharing its identifiers (app/outcomes.ts), hand them to the pure engine, and write
 * the check's first state (read model and token) — one local activity on the
 * synchronous path of `POST /v1/checks`. Idempotent: the velocity record's `_id`
 * is the order id, counts exclude this order, writes are upserts or unique inserts.
 */
import { decisionRecord, type BandRange } from '../scoring';
import type { VelocityCounts, VelocityDimension } from '../scoring/types';
import { DAY_MS, VELOCITY_CAP, windowCounts } from '../scoring/velocity';
import type { Order } from '../domain/order';
import { decidedState, transitionAudit, type CheckState } from '../domain/check';
import { appendFirstAudit } from './audit';
import { BlocklistModel, CheckModel, VelocityEventModel, isDuplicateKey } from '../models';
import { checkStateFromRecord, storedBodyHash } from '../models/check';
import type { Projection } from './readModel';
import { pseudonym } from '../lib/crypto';
import { createListService } from '../app/lists';
import { priorOutcomeCounts } from '../app/outcomes';
import { recordDecisionFacts, type LiveRulesets } from '../app/rulesetStore';
import { duplicateDocumentRule } from '../scoring/documentRules';

/** How often a worker asks whether the legacy block list holds anything. */
const LEGACY_BLOCKLIST_RECHECK_MS = 60_000;

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

/** The kinds of identifier a check is linked by (models/check.ts `links`). */
export const linkKinds = ['card', 'email', 'device', 'ip', 'shippingAddress', 'customer', 'cardNumber'] as const;
export type LinkKind = (typeof linkKinds)[number];

/** A link key: the kind and the keyed pseudonym of the normalised value (the velocity pseudonym, without its day). */
export const linkKey = (secret: Buffer, kind: LinkKind, value: string): string => `${kind}:${pseudonym(secret, kind, value)}`;

/** The normalised value of each identifier a data-subject request or a search gives. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
export const cardNumberValue = (bin: string, last4: string): string => `${bin.trim()}:${last4.trim()}`;

/**
 * Every link key of an order: its velocity identifiers, the shop's customer id (as given) and
 * the card's BIN + last 4 (for search). Equality lookups on these find linked cases and a
 * person's checks without reading any other check.
 */
export function linkKeys(secret: Buffer, order: Order): string[] {
  const values: Partial<Record<LinkKind, string>> = { ...velocityValues(order) };
  if (order.customer.id) values.customer = order.customer.id.trim();
  const card = order.payment?.card;
  if (card?.bin && card.last4) values.cardNumber = cardNumberValue(card.bin, card.last4);
  return linkKinds.filter((k) => values[k]).map((k) => linkKey(secret, k, values[k]!));
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
   * The bands of the ruleset version that decided (`check.risk.rulesetVersion`), for
   * later score changes (a duplicate document); recorded in history, so a replay bands
   * with the version it used. Absent from decisions made before rulesets were data.
   */
  bands?: BandRange[];
  /** That version's points for DUPLICATE_DOCUMENT (absent: it has no such rule, or the decision predates live rulesets). */
  duplicateDocumentPoints?: number;
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
  rulesets: LiveRulesets,
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

  /**
   * Files the order under each of its values (a unique insert: a retry finds it
   * there). True if this call wrote it.
   */
  async function recordVelocity(orderId: string, keys: Partial<Record<VelocityDimension, string>>, at: number): Promise<boolean> {
    const buckets = Object.fromEntries(Object.entries(keys).map(([d, key]) => [d, velocityBuckets(key, at)]));
    // (insertMany: a plain insert, without the hydration of a mongoose document that `create` does.)
    return VelocityEventModel.insertMany([{ _id: orderId, at: new Date(at), ...buckets }], { lean: true }).then(
      () => true,
      (error) => {
        if (!isDuplicateKey(error)) throw error;
        return false; // a retry: already recorded
      },
    );
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

  const lists = createListService(secret);

  /**
   * Whether the block list written before the lists holds anything, asked at most once a
   * minute: nothing in the engine writes to it any more, so it is empty on every
   * deployment that never had one, and five lookups per decision (a sixth of the decision's
   * database commands) are saved. An entry written straight into it counts within a minute.
   */
  let legacyChecked = { at: -Infinity, any: true };
  async function legacyBlocklistInUse(): Promise<boolean> {
    if (Date.now() - legacyChecked.at < LEGACY_BLOCKLIST_RECHECK_MS) return legacyChecked.any;
    const any = (await BlocklistModel.exists({})) !== null;
    legacyChecked = { at: Date.now(), any };
    return any;
  }

  /** Entries of the block list written before the lists (`blocklist`, by velocity dimension), still honoured. */
  async function legacyBlocklistHits(keys: Partial<Record<VelocityDimension, string>>): Promise<VelocityDimension[]> {
    if (!(await legacyBlocklistInUse())) return [];
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
      // Record first, then count: of orders on one card at once, each counts every
      // one recorded before its count, so the later ones of a burst see the earlier
      // ones (counting first, all of them saw none). A concurrent order may thus be
      // counted before its own decision is made: intended. The record goes in beside
      // the lookups (one round trip fewer on the decision path) and is taken back if
      // the order turns out to have a check already: a purged order's record must not come back.
      const [existing, listed, legacyBlocked, priorOutcomes, recorded] = await Promise.all([
        CheckModel.findOne({ orderId: input.order.orderId }).lean(),
        lists.hits(input.order, at),
        legacyBlocklistHits(keys),
        priorOutcomeCounts(secret, input.order),
        recordVelocity(input.order.orderId, keys, at),
      ]);
      if (existing && existing._id !== input.checkId) {
        if (recorded) await VelocityEventModel.deleteOne({ _id: input.order.orderId });
        return { check: checkStateFromRecord(existing), requested: [], webhooks: webhooksEnabled, existing: { bodyHash: storedBodyHash(existing), webhookSequence: existing.webhookSequence ?? undefined } };
      }
      const [velocity, view] = await Promise.all([countVelocity(input.order.orderId, keys, at), rulesets.current()]);
      // The live version decides; its facts (PII-free) are recorded for backtests, and each shadowed version scores them beside it.
      const { risk, facts } = view.live.assessWithFacts({
        order: input.order,
        velocity,
        blocklistHits: [...listed.block, ...legacyBlocked],
        allowlistHits: listed.allow,
        priorOutcomes,
        now: input.at,
      });
      const check = decidedState({
        checkId: input.checkId,
        orderId: input.order.orderId,
        risk,
        createdAt: input.at,
        uploadDeadlineMs: input.uploadDeadlineMs,
        reviewSlaMs: input.reviewSlaMs,
      });
      await Promise.all([
        record({ check, order: input.order, bodyHash: input.bodyHash, retentionMs: input.retentionMs, links: linkKeys(secret, input.order) }),
        appendFirstAudit(transitionAudit(check.checkId, check.timeline[0])),
        recordDecisionFacts(decisionRecord({ checkId: input.checkId, orderId: input.order.orderId, createdAt: input.at, risk, facts }), view.shadows),
      ]);
      const duplicate = view.data.rules.find((r) => r.code === duplicateDocumentRule.code);
      return {
        check,
        requested: risk.requested,
        webhooks: webhooksEnabled,
        bands: view.data.bands,
        ...(duplicate ? { duplicateDocumentPoints: duplicate.points } : {}),
      };
    },
  };
}

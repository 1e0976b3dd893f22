/**
 * The contract of the scoring engine: what goes in, what comes out.
 * The engine is pure (no I/O, no clock): the activity around it fetches the
 * velocity counts and block-list hits and passes `now`.
 */
import type { DocumentKind, Order } from '../domain/order';

/**
 * Orders seen for the same value in a window, this order NOT included. At most
 * VELOCITY_CAP (`scoring/velocity.ts`), which means that many or more.
 */
export interface WindowCounts {
  hour: number;
  day: number;
}

export interface VelocityCounts {
  card: WindowCounts;
  email: WindowCounts;
  device: WindowCounts;
  ip: WindowCounts;
  shippingAddress: WindowCounts;
}

export type VelocityDimension = keyof VelocityCounts;
export const velocityDimensions = ['card', 'email', 'device', 'ip', 'shippingAddress'] as const satisfies readonly VelocityDimension[];

/** How reasons name a dimension or a list type to people (never its value). */
export const dimensionLabels: Record<VelocityDimension | ListType, string> = {
  card: 'card',
  email: 'email address',
  device: 'device',
  ip: 'IP address',
  shippingAddress: 'shipping address',
  email_domain: 'email domain',
  card_fingerprint: 'card',
  card_bin: 'card BIN',
  phone: 'phone number',
  customer_id: 'customer account',
  shipping_address: 'shipping address',
};

/** The types of entries of the block and allow lists (API.md, "Lists"). */
export const listTypes = [
  'email',
  'email_domain',
  'card_fingerprint',
  'card_bin',
  'device',
  'ip',
  'phone',
  'customer_id',
  'shipping_address',
] as const;
export type ListType = (typeof listTypes)[number];

/**
 * What a list hit names: the type of the entry that matched (never its value). The
 * velocity dimensions' names are accepted too (the block list is keyed by them today).
 */
export type ListHit = VelocityDimension | ListType;
export const listHitNames = [...new Set<ListHit>([...velocityDimensions, ...listTypes])];

/** The identifiers whose earlier orders' outcomes raise a later order's score (API.md, "Outcomes"). */
export const outcomeDimensions = ['card', 'email', 'device', 'shippingAddress'] as const satisfies readonly VelocityDimension[];
export type OutcomeDimension = (typeof outcomeDimensions)[number];

/** Earlier orders sharing one identifier with this order, by the outcome they were later marked with. */
export interface PriorOutcomeCounts {
  /** Orders marked `chargeback`. */
  chargeback: number;
  /** Orders marked `fraud_confirmed`. */
  fraudConfirmed: number;
}

export interface ScoreInput {
  order: Order;
  velocity: VelocityCounts;
  /** What of this order is on the shop's block list (dimensions or list types, never values). */
  blocklistHits: ListHit[];
  /** What of this order is on the shop's allow list; none when absent. */
  allowlistHits?: ListHit[];
  /** Earlier orders sharing an identifier with this one, by outcome; none when absent. */
  priorOutcomes?: Partial<Record<OutcomeDimension, PriorOutcomeCounts>>;
  /** Other customers' checks with a document matching one uploaded for this order; none when absent (an order is scored before any upload). */
  duplicateDocuments?: number;
  /** ISO-8601; the moment of scoring (account age is measured against it). */
  now: string;
}

export type Band = 'low' | 'medium' | 'high' | 'critical';
export type Action = 'approve' | 'review' | 'verify' | 'block';

export interface Reason {
  code: string;
  points: number;
  detail: string;
}

export interface RiskAssessment {
  score: number; // 0..100
  band: Band;
  action: Action;
  rulesetVersion: string;
  reasons: Reason[];
  /** Documents to ask for when action is `verify` (empty otherwise). */
  requested: DocumentKind[];
}

export const emptyVelocity = (): VelocityCounts => ({
  card: { hour: 0, day: 0 },
  email: { hour: 0, day: 0 },
  device: { hour: 0, day: 0 },
  ip: { hour: 0, day: 0 },
  shippingAddress: { hour: 0, day: 0 },
});

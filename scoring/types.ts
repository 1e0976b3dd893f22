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

export interface ScoreInput {
  order: Order;
  velocity: VelocityCounts;
  /** Dimensions of this order whose value is on the shop's block list. */
  blocklistHits: VelocityDimension[];
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

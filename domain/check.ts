/**
 * A check's state and the pure rules of how it may change. The workflow is the
 * only writer of this state; the API and the read model only present it.
 * Unit-tested without servers (test/unit/checkState.test.ts).
 */
import type { Reason, Band, Action } from '../scoring/types';
import type { DocumentKind } from './order';

export const statuses = ['approved', 'awaiting_documents', 'in_review', 'escalated', 'rejected', 'expired', 'cancelled'] as const;
export type Status = (typeof statuses)[number];
export type Fulfilment = 'release' | 'hold' | 'cancel';

export const finalStatuses: readonly Status[] = ['approved', 'rejected', 'expired', 'cancelled'];
export const isFinal = (status: Status): boolean => finalStatuses.includes(status);

export function fulfilmentOf(status: Status): Fulfilment {
  if (status === 'approved') return 'release';
  if (status === 'rejected' || status === 'expired' || status === 'cancelled') return 'cancel';
  return 'hold';
}

/** Which status may follow which. `null` is "no check yet" (the first decision). */
const allowed: Record<Status | 'new', readonly Status[]> = {
  new: ['approved', 'awaiting_documents', 'in_review', 'rejected'],
  awaiting_documents: ['in_review', 'expired', 'cancelled', 'awaiting_documents'],
  in_review: ['approved', 'rejected', 'awaiting_documents', 'escalated', 'cancelled'],
  escalated: ['approved', 'rejected', 'awaiting_documents', 'cancelled'],
  approved: [],
  rejected: [],
  expired: [],
  cancelled: [],
};

export function canTransition(from: Status | 'new', to: Status): boolean {
  return allowed[from].includes(to);
}

/** The first status of a check follows from the scoring action. */
export function statusForAction(action: Action): Status {
  switch (action) {
    case 'approve':
      return 'approved';
    case 'verify':
      return 'awaiting_documents';
    case 'review':
      return 'in_review';
    case 'block':
      return 'rejected';
  }
}

export type ActorType = 'system' | 'service' | 'customer' | 'reviewer';
export interface Actor {
  type: ActorType;
  /** Reviewer id (JWT `sub`) or service key label; never a customer's PII. */
  id?: string;
  role?: string;
}

export interface TimelineEntry {
  seq: number;
  at: string;
  /** What happened: `scored`, `documents_requested`, `expired`, `cancelled`, `approved`, … */
  event: string;
  from: Status | null;
  to: Status;
  actor: Actor;
  reason: string;
}

export interface Risk {
  score: number;
  band: Band;
  action: Action;
  rulesetVersion: string;
  reasons: Reason[];
}

export interface VerificationRound {
  round: number;
  requested: DocumentKind[];
  startedAt: string;
  expiresAt: string;
  remindersSent: number;
}

export interface CheckState {
  checkId: string;
  orderId: string;
  status: Status;
  risk: Risk;
  verification: VerificationRound | null;
  createdAt: string;
  updatedAt: string;
  timeline: TimelineEntry[];
  /** Bumped by every change; the projector writes versions in order. */
  version: number;
}

/** The check as API.md presents it (the token is derived by the presenter, never stored here). */
export interface CheckView {
  checkId: string;
  orderId: string;
  status: Status;
  fulfilment: Fulfilment;
  risk: { score: number; band: Band; rulesetVersion: string; reasons: Reason[] };
  verification: { requested: DocumentKind[]; token: string; uploadUrl: string; expiresAt: string } | null;
  createdAt: string;
  updatedAt: string;
  timeline?: Omit<TimelineEntry, 'seq'>[];
}

export class TransitionError extends Error {
  constructor(
    readonly from: Status,
    readonly to: Status,
  ) {
    super(`a check that is ${from} cannot become ${to}`);
  }
}

/** Returns the state after a transition (pure; throws TransitionError if not allowed). */
export function applyTransition(
  state: CheckState,
  to: Status,
  change: { at: string; event: string; actor: Actor; reason: string },
): CheckState {
  if (!canTransition(state.status, to)) throw new TransitionError(state.status, to);
  const entry: TimelineEntry = {
    seq: state.timeline.length + 1,
    at: change.at,
    event: change.event,
    from: state.status,
    to,
    actor: change.actor,
    reason: change.reason,
  };
  return { ...state, status: to, updatedAt: change.at, timeline: [...state.timeline, entry], version: state.version + 1 };
}

/** The first state of a check, from its risk assessment (pure; the decision activity records it). */
export function decidedState(input: {
  checkId: string;
  orderId: string;
  risk: Risk & { requested: DocumentKind[] };
  createdAt: string;
  uploadDeadlineMs: number;
}): CheckState {
  const { risk, createdAt } = input;
  const status = statusForAction(risk.action);
  return {
    checkId: input.checkId,
    orderId: input.orderId,
    status,
    risk: { score: risk.score, band: risk.band, action: risk.action, rulesetVersion: risk.rulesetVersion, reasons: risk.reasons },
    verification:
      status === 'awaiting_documents'
        ? {
            round: 1,
            requested: risk.requested,
            startedAt: createdAt,
            expiresAt: new Date(Date.parse(createdAt) + input.uploadDeadlineMs).toISOString(),
            remindersSent: 0,
          }
        : null,
    createdAt,
    updatedAt: createdAt,
    timeline: [
      { seq: 1, at: createdAt, event: 'scored', from: null, to: status, actor: { type: 'system' }, reason: decisionReason(risk.action, risk.score, risk.band) },
    ],
    version: 1,
  };
}

function decisionReason(action: Action, score: number, band: Band): string {
  const what: Record<Action, string> = {
    approve: 'low risk: released',
    verify: 'documents requested before release',
    review: 'held for a reviewer',
    block: 'blocked',
  };
  return `score ${score} (${band}): ${what[action]}`;
}

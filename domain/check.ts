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

export type DocumentStatus = 'processing' | 'accepted' | 'rejected';

export interface DuplicateMatch {
  checkId: string;
  documentId: string;
  /** Hamming distance of the perceptual hashes (0 for an exact copy). */
  distance: number;
  exact: boolean;
}

export interface DocumentState {
  documentId: string;
  kind: DocumentKind;
  round: number;
  status: DocumentStatus;
  reason: string | null;
  uploadedAt: string;
  flags: string[];
  duplicates: DuplicateMatch[];
}

export interface Claim {
  assignee: string;
  role: string;
  leaseExpiresAt: string;
}

export interface CheckState {
  checkId: string;
  orderId: string;
  status: Status;
  risk: Risk;
  verification: VerificationRound | null;
  documents: DocumentState[];
  claim: Claim | null;
  /** When an `in_review` case escalates if nobody decided it. */
  slaDueAt: string | null;
  /**
   * When an `escalated` case is overdue if no senior decided it (ESCALATION_SLA),
   * and when it was flagged so. Absent on checks started before escalations had an SLA.
   */
  escalationDueAt?: string | null;
  escalationOverdueAt?: string | null;
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

/** The events a check sends to WEBHOOK_URL (API.md: `check.status_changed`, one per transition). */
export const webhookEventTypes = {
  statusChanged: 'check.status_changed',
  /** An escalated case nobody decided within ESCALATION_SLA. */
  escalationOverdue: 'check.escalation_overdue',
} as const;
export type WebhookEventType = (typeof webhookEventTypes)[keyof typeof webhookEventTypes];

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
  reviewSlaMs: number;
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
    documents: [],
    claim: null,
    slaDueAt: status === 'in_review' ? new Date(Date.parse(createdAt) + input.reviewSlaMs).toISOString() : null,
    escalationDueAt: null,
    escalationOverdueAt: null,
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

// ---- reviewer decisions ------------------------------------------------------

export const reviewActions = ['approve', 'reject', 'request_documents', 'escalate', 'report'] as const;
export type ReviewAction = (typeof reviewActions)[number];

/** How many verification rounds a check may have (the first plus reviewers' requests). */
export const MAX_VERIFICATION_ROUNDS = 3;

/** What each action does to the status. */
export const actionTarget: Record<ReviewAction, Status> = {
  approve: 'approved',
  reject: 'rejected',
  request_documents: 'awaiting_documents',
  escalate: 'escalated',
  report: 'rejected',
};

/** The actions a case takes now, for a role (pure: the workflow validates with it, the console shows it). */
export function allowedActions(state: Pick<CheckState, 'status' | 'verification'>, role: string): ReviewAction[] {
  const senior = role === 'senior' || role === 'admin';
  if (state.status === 'in_review') {
    const base: ReviewAction[] = ['approve', 'reject', 'request_documents', 'escalate'];
    return senior ? [...base, 'report'] : base;
  }
  if (state.status === 'escalated') return senior ? ['approve', 'reject', 'request_documents', 'report'] : [];
  return [];
}

/** Why a decision cannot be taken now, or undefined when it can (pure). */
export function decisionProblem(
  state: Pick<CheckState, 'status' | 'verification' | 'claim'>,
  request: { action: ReviewAction; reviewerId: string; role: string; requested?: DocumentKind[]; now: number },
): { code: 'invalid_state' | 'forbidden' | 'claim_required' | 'invalid_request'; message: string } | undefined {
  const { action, role } = request;
  if (!allowedActions(state, role).includes(action)) {
    if (state.status === 'escalated' && role === 'reviewer') {
      return { code: 'forbidden', message: 'escalated cases are decided by senior reviewers' };
    }
    if (action === 'report' && role === 'reviewer') return { code: 'forbidden', message: 'reporting needs a senior reviewer' };
    return { code: 'invalid_state', message: `a case that is ${state.status} cannot take "${action}"` };
  }
  const claim = state.claim;
  if (!claim || claim.assignee !== request.reviewerId || Date.parse(claim.leaseExpiresAt) <= request.now) {
    return { code: 'claim_required', message: 'claim the case before deciding it' };
  }
  if (action === 'request_documents') {
    if (!request.requested || request.requested.length === 0) {
      return { code: 'invalid_request', message: 'say which documents to request' };
    }
    if ((state.verification?.round ?? 0) >= MAX_VERIFICATION_ROUNDS) {
      return { code: 'invalid_state', message: `no more than ${MAX_VERIFICATION_ROUNDS} rounds of documents` };
    }
  }
  return undefined;
}

/** Whether every requested kind of the current round has an accepted document. */
export function allRequestedAccepted(state: Pick<CheckState, 'verification' | 'documents'>): boolean {
  const v = state.verification;
  if (!v) return false;
  return v.requested.every((kind) => state.documents.some((d) => d.round === v.round && d.kind === kind && d.status === 'accepted'));
}

/** The audit entry of a transition (the same for the workflow and the decision activity). */
export function transitionAudit(checkId: string, entry: TimelineEntry) {
  return {
    checkId,
    eventId: `${checkId}.${entry.seq}`,
    at: entry.at,
    actor: entry.actor,
    action: 'status.changed',
    detail: { event: entry.event, from: entry.from, to: entry.to, reason: entry.reason },
  };
}

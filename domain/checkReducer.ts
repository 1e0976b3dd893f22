/**
 * How a check changes: `reduce(state, event, clock)` is the next state and what the
 * world must hear of it (`effects`), or a refusal. Pure: the check workflow owns the
 * waiting (timers, activities, reservations) and carries out the effects in the
 * order given; everything about *what* changes is here, unit-tested without servers
 * (test/unit/checkReducer.test.ts).
 *
 * The validators' rules are here too (`*Refusal`): they answer before anything is
 * recorded, with the same codes the API maps to HTTP statuses.
 */
import {
  actionTarget,
  allRequestedAccepted,
  applyTransition,
  decisionProblem,
  isFinal,
  TransitionError,
  type Actor,
  type CheckState,
  type DocumentState,
  type DuplicateMatch,
  type ReviewAction,
  type Status,
  type VerificationRound,
} from './check';
import type { DocumentKind } from './order';
import type { Band, Reason } from '../scoring/types';
import { bandFor } from '../scoring/bands';

/** Documents per verification round: bounds storage and work a token can cause. */
export const MAX_DOCUMENTS_PER_ROUND = 12;

export type RefusalCode = 'invalid_state' | 'invalid_request' | 'forbidden' | 'already_claimed' | 'claim_required';
export interface CheckRefusal {
  code: RefusalCode;
  message: string;
}

/** The clocks of a check (fixed when it starts: they travel in the workflow input). */
export interface CheckClocks {
  reviewSlaMs: number;
  claimLeaseMs: number;
  /** Absent in the inputs of checks started before escalations had an SLA. */
  escalationSlaMs?: number;
}

/** The workflow's time and the check's clocks. */
export interface Clock {
  now: number;
  durations: CheckClocks;
}

/** What the documents queue found in an upload; each match names the other check's order (kept out of the state). */
export interface ProcessedDocument {
  status: 'accepted' | 'rejected';
  reason: string | null;
  flags: string[];
  duplicates: (DuplicateMatch & { orderId: string })[];
}

/** A rule that fires on what uploads show (today: DUPLICATE_DOCUMENT), with the bands to re-band the score. */
export interface DocumentRule {
  code: string;
  points: number;
  bands: ReadonlyArray<{ band: Band; min: number }>;
}

export type CheckEvent =
  | { type: 'document_received'; document: { documentId: string; kind: DocumentKind; round: number; uploadedAt: string } }
  /** The documents queue's answer; `duplicateRule` is the rule to apply when it found copies on other checks. */
  | { type: 'document_processed'; document: DocumentState; result: ProcessedDocument; duplicateRule?: DocumentRule }
  /** Another check's upload matched one of this check's documents. */
  | { type: 'duplicate_reported'; documentId: string; match: DuplicateMatch }
  | { type: 'claimed'; reviewerId: string; role: string }
  | { type: 'decided'; action: Exclude<ReviewAction, 'request_documents'>; actor: Actor; reason: string }
  | { type: 'documents_requested'; round: Omit<VerificationRound, 'remindersSent'>; actor: Actor; reason: string }
  | { type: 'cancelled'; actor: Actor; reason: string }
  | { type: 'reminder_due' }
  | { type: 'upload_deadline_passed' }
  | { type: 'review_sla_passed' }
  | { type: 'escalation_sla_passed' };

/** What the workflow does after a change, in this order. */
export type CheckEffect =
  /** The last timeline entry: one audit entry and one `check.status_changed` webhook. */
  | { type: 'status_changed' }
  | { type: 'audit'; at: string; actor: Actor; action: string; detail: Record<string, unknown> }
  | { type: 'process_document'; document: DocumentState }
  /** Tell the other order's check that one of its documents was copied here. */
  | { type: 'report_duplicate'; orderId: string; documentId: string; match: DuplicateMatch }
  | { type: 'send_verification_email'; reminder: number }
  /** An escalated case nobody decided in time: the operators' notice and the `check.escalation_overdue` webhook. */
  | { type: 'escalation_overdue'; at: string; escalatedAt: string; dueAt: string; eventId: string };

export type Outcome = { ok: true; state: CheckState; effects: CheckEffect[] } | { ok: false; refusal: CheckRefusal };

const system: Actor = { type: 'system' };
const iso = (ms: number) => new Date(ms).toISOString();
const refuse = (code: RefusalCode, message: string): Outcome => ({ ok: false, refusal: { code, message } });
const unique = <T>(values: T[]): T[] => [...new Set(values)];

/** Builds an outcome step by step: each change bumps the version, as the read model's projector expects. */
class Change {
  effects: CheckEffect[] = [];
  constructor(
    public state: CheckState,
    private readonly clock: Clock,
  ) {}

  get at(): string {
    return iso(this.clock.now);
  }

  /** A change without a status transition (documents, claims, reminders): projected, not webhooked. */
  touch(change: (s: CheckState) => CheckState): this {
    this.state = { ...change(this.state), updatedAt: this.at, version: this.state.version + 1 };
    return this;
  }

  /** A status transition; undefined when it no longer applies (the check changed meanwhile). */
  transition(to: Status, event: string, actor: Actor, reason: string, change?: (s: CheckState) => CheckState): this | undefined {
    let next: CheckState;
    try {
      next = applyTransition(this.state, to, { at: this.at, event, actor, reason });
    } catch (error) {
      if (error instanceof TransitionError) return undefined;
      throw error;
    }
    if (change) next = change(next);
    const { reviewSlaMs, escalationSlaMs } = this.clock.durations;
    // Every transition ends the claim and the SLA clocks; a new review or escalation starts its own.
    this.state = {
      ...next,
      claim: null,
      slaDueAt: to === 'in_review' ? iso(this.clock.now + reviewSlaMs) : null,
      escalationDueAt: to === 'escalated' && escalationSlaMs !== undefined ? iso(this.clock.now + escalationSlaMs) : null,
      escalationOverdueAt: null,
      verification: to === 'awaiting_documents' || to === 'in_review' || to === 'escalated' ? next.verification : null,
    };
    return this.emit({ type: 'status_changed' });
  }

  emit(...effects: CheckEffect[]): this {
    this.effects.push(...effects);
    return this;
  }

  done(): Outcome {
    return { ok: true, state: this.state, effects: this.effects };
  }
}

/** A transition that no longer applies: it fails that one message, never the workflow task. */
function changedMeanwhile(state: CheckState, to: Status): Outcome {
  return refuse('invalid_state', `${new TransitionError(state.status, to).message} (it changed meanwhile)`);
}

/** The next state of a check after `event` at `clock.now`, with its effects; or why it cannot happen. */
export function reduce(state: CheckState, event: CheckEvent, clock: Clock): Outcome {
  const c = new Change(state, clock);
  const transition = (to: Status, name: string, actor: Actor, reason: string, change?: (s: CheckState) => CheckState): Outcome =>
    c.transition(to, name, actor, reason, change)?.done() ?? changedMeanwhile(c.state, to);

  switch (event.type) {
    case 'document_received': {
      const { documentId, kind, round, uploadedAt } = event.document;
      const received: DocumentState = { documentId, kind, round, status: 'processing', reason: null, uploadedAt, flags: [], duplicates: [] };
      return c
        .touch((s) => ({ ...s, documents: [...s.documents, received] }))
        .emit({ type: 'process_document', document: received })
        .done();
    }

    case 'document_processed': {
      const { document: doc, result } = event;
      c.touch((s) => ({
        ...s,
        documents: s.documents.map((d) =>
          d.documentId === doc.documentId
            ? { ...d, status: result.status, reason: result.reason, flags: result.flags, duplicates: result.duplicates.map(({ orderId: _o, ...m }) => m) }
            : d,
        ),
      }));
      // The other customer's check learns it too (its workflow is the only writer of its state).
      result.duplicates.forEach((match) =>
        c.emit({
          type: 'report_duplicate',
          orderId: match.orderId,
          documentId: match.documentId,
          match: { checkId: state.checkId, documentId: doc.documentId, distance: match.distance, exact: match.exact },
        }),
      );
      const rule = event.duplicateRule;
      if (result.duplicates.length > 0 && rule && !c.state.risk.reasons.some((r) => r.code === rule.code)) {
        const detail = `a ${doc.kind} document matches one on ${result.duplicates.length} other check(s)`;
        c.touch((s) => ({ ...s, risk: withReason(s.risk, { code: rule.code, points: rule.points, detail }, rule.bands) }));
      }
      if (c.state.status === 'awaiting_documents' && allRequestedAccepted(c.state)) {
        return transition('in_review', 'documents_received', system, 'every requested document was accepted');
      }
      return c.done();
    }

    case 'duplicate_reported': {
      const known = state.documents.find((d) => d.documentId === event.documentId);
      if (!known || known.duplicates.some((m) => m.documentId === event.match.documentId)) return c.done();
      return c
        .touch((s) => ({
          ...s,
          documents: s.documents.map((d) =>
            d.documentId === event.documentId
              ? { ...d, flags: unique([...d.flags, 'duplicate']), duplicates: [...d.duplicates, event.match] }
              : d,
          ),
        }))
        .done();
    }

    case 'claimed': {
      const claim = { assignee: event.reviewerId, role: event.role, leaseExpiresAt: iso(clock.now + clock.durations.claimLeaseMs) };
      const actor: Actor = { type: 'reviewer', id: event.reviewerId, role: event.role };
      return c
        .touch((s) => ({ ...s, claim }))
        .emit({ type: 'audit', at: c.at, actor, action: 'case.claimed', detail: { leaseExpiresAt: claim.leaseExpiresAt } })
        .done();
    }

    case 'decided': {
      const name = event.action === 'report' ? 'reported' : event.action === 'escalate' ? 'escalated' : actionTarget[event.action];
      return transition(actionTarget[event.action], name, event.actor, event.reason);
    }

    case 'documents_requested': {
      const round: VerificationRound = { ...event.round, requested: unique(event.round.requested), remindersSent: 0 };
      const next = c.transition('awaiting_documents', 'documents_requested', event.actor, event.reason, (s) => ({ ...s, verification: round }));
      return next ? next.emit({ type: 'send_verification_email', reminder: 0 }).done() : changedMeanwhile(state, 'awaiting_documents');
    }

    case 'cancelled': {
      if (state.status === 'cancelled') return c.done(); // a second cancel answers with the first one's result
      if (isFinal(state.status)) return refuse('invalid_state', `the check already ended ${state.status}`);
      return transition('cancelled', 'cancelled', event.actor, event.reason);
    }

    case 'reminder_due': {
      c.touch((s) => ({ ...s, verification: { ...s.verification!, remindersSent: s.verification!.remindersSent + 1 } }));
      return c.emit({ type: 'send_verification_email', reminder: c.state.verification!.remindersSent }).done();
    }

    case 'upload_deadline_passed':
      return transition('expired', 'expired', system, 'the upload deadline passed without the requested documents');

    case 'review_sla_passed':
      return transition('escalated', 'sla_escalated', system, 'nobody decided the case within the review SLA');

    case 'escalation_sla_passed': {
      const at = c.at;
      c.touch((s) => ({ ...s, escalationOverdueAt: at }));
      const escalation = c.state.timeline[c.state.timeline.length - 1];
      const detail = { escalatedAt: escalation.at, dueAt: c.state.escalationDueAt! };
      return c
        .emit(
          { type: 'audit', at, actor: system, action: 'escalation.overdue', detail },
          { type: 'escalation_overdue', at, ...detail, eventId: `${state.checkId}.${escalation.seq}.overdue` },
        )
        .done();
    }
  }
}

/** The risk with one more reason: its points added to the score (at most 100), the score re-banded. */
function withReason(risk: CheckState['risk'], reason: Reason, bands: DocumentRule['bands']): CheckState['risk'] {
  const score = Math.min(100, risk.score + reason.points);
  const reasons = [...risk.reasons, reason].sort((a, b) => b.points - a.points);
  return { ...risk, score, band: bandFor(score, bands), reasons };
}

// ---- the validators' rules ---------------------------------------------------------

/** A cancel of a check that already ended otherwise. */
export function cancelRefusal(state: CheckState | undefined): CheckRefusal | undefined {
  if (state && isFinal(state.status) && state.status !== 'cancelled') {
    return { code: 'invalid_state', message: `the check already ended ${state.status}` };
  }
  return undefined;
}

/** An upload the check cannot take now (`busy`: a transition under way). */
export function uploadRefusal(
  state: CheckState | undefined,
  doc: { documentId: string; kind: DocumentKind; round: number },
  busy: string | undefined,
): CheckRefusal | undefined {
  if (busy) return { code: 'invalid_state', message: busy };
  if (!state || state.status !== 'awaiting_documents' || !state.verification || state.verification.round !== doc.round) {
    return { code: 'invalid_state', message: 'this check is not waiting for documents from this link' };
  }
  const { requested } = state.verification;
  if (!requested.includes(doc.kind)) {
    return { code: 'invalid_request', message: `"${doc.kind}" was not requested (requested: ${requested.join(', ')})` };
  }
  if (state.documents.some((d) => d.documentId === doc.documentId)) return undefined; // a retried call
  if (state.documents.filter((d) => d.round === doc.round).length >= MAX_DOCUMENTS_PER_ROUND) {
    return { code: 'invalid_state', message: `no more than ${MAX_DOCUMENTS_PER_ROUND} uploads per request` };
  }
  return undefined;
}

/** A claim the check cannot take now. */
export function claimRefusal(
  state: CheckState | undefined,
  request: { reviewerId: string; role: string },
  busy: string | undefined,
  now: number,
): CheckRefusal | undefined {
  if (!state || (state.status !== 'in_review' && state.status !== 'escalated')) {
    return { code: 'invalid_state', message: `a case that is ${state?.status ?? 'being scored'} cannot be claimed` };
  }
  if (busy) return { code: 'invalid_state', message: busy };
  if (state.status === 'escalated' && request.role === 'reviewer') {
    return { code: 'forbidden', message: 'escalated cases are for senior reviewers' };
  }
  const claim = state.claim;
  if (claim && Date.parse(claim.leaseExpiresAt) > now && claim.assignee !== request.reviewerId && request.role !== 'admin') {
    return { code: 'already_claimed', message: `claimed by ${claim.assignee} until ${claim.leaseExpiresAt}` };
  }
  return undefined;
}

/** A reviewer's decision the check cannot take now. */
export function decisionRefusal(
  state: CheckState | undefined,
  request: { action: ReviewAction; reason: string; reviewerId: string; role: string; requested?: DocumentKind[] },
  busy: string | undefined,
  now: number,
): CheckRefusal | undefined {
  if (!state) return { code: 'invalid_state', message: 'the check is being scored' };
  if (!request.reason?.trim()) return { code: 'invalid_request', message: 'a reason is required' };
  if (busy) return { code: 'invalid_state', message: busy };
  return decisionProblem(state, { ...request, now });
}

/** The verification round a reviewer's request for documents opens. */
export function nextRound(state: CheckState, requested: DocumentKind[], now: number, uploadDeadlineMs: number): Omit<VerificationRound, 'remindersSent'> {
  return { round: (state.verification?.round ?? 0) + 1, requested, startedAt: iso(now), expiresAt: iso(now + uploadDeadlineMs) };
}

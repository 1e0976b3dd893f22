/**
 * One workflow per order (`fraud-check/<orderId>`): the source of truth of its check.
 *
 * Reads top to bottom: score and decide; then wait — for messages (documents,
 * claims, reviewer decisions, cancel) or for the next timer (reminder, upload
 * deadline, review SLA, escalation SLA) — until the check is final; then finish
 * the deliveries and complete. The final projection files the check for the
 * retention sweep (activities/retention.ts), which purges it when its retention
 * ends; checks started before that keep their own retention timer.
 *
 * Transitions are applied one at a time. A handler that must wait for an
 * activity before its transition (request_documents registers the new link
 * first) reserves it synchronously, before it waits: the validators of later
 * messages see the reservation (decisions and claims are refused, a cancel waits
 * for it), timers hold off, and every handler re-checks after each wait and
 * refuses with an ApplicationFailure, never a plain error (a plain error fails
 * the workflow task on every retry: the check would be wedged).
 */
import * as wf from '@temporalio/workflow';
import type { Durations } from '../config';
import {
  actionTarget,
  allRequestedAccepted,
  applyTransition,
  decisionProblem,
  isFinal,
  MAX_VERIFICATION_ROUNDS,
  TransitionError,
  transitionAudit,
  webhookEventTypes,
  type Actor,
  type CheckState,
  type DocumentState,
  type Status,
  type WebhookEventType,
} from '../domain/check';
import type { DocumentKind, Order } from '../domain/order';
import type { CheckActivities } from '../activities';
import { bandFor } from '../scoring/bands';
import { ruleset } from '../scoring/rules';
import {
  cancelUpdate,
  claimUpdate,
  decideUpdate,
  documentReceivedUpdate,
  duplicateSignal,
  failureTypes,
  stateQuery,
  submitUpdate,
  type CancelRequest,
  type ClaimRequest,
  type DecisionRequest,
  type DocumentReceived,
} from './messages';

export interface CheckWorkflowInput {
  checkId: string;
  order: Order;
  bodyHash: string;
  submissionId: string;
  durations: Durations;
}

/** Documents per verification round: bounds storage and work a token can cause. */
export const MAX_DOCUMENTS_PER_ROUND = 12;
/** Points a document already used on another customer's check adds to the score. */
export const DUPLICATE_DOCUMENT_POINTS = 30;

/** Scoring sits on the synchronous path of `POST /v1/checks`: a local activity, no task round trip. */
const local = wf.proxyLocalActivities<CheckActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumInterval: '2s' },
});

/** Database writes (read model, tokens, audit): retried until the database is back. */
const store = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/** Webhooks and e-mail: at-least-once with backoff, for up to three days; a failing receiver blocks nothing. */
const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/** Image and PDF work runs on its own task queue, so it scales apart and never slows decisions. */
const documentsQueue = wf.proxyActivities<CheckActivities>({
  taskQueue: 'documents',
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10 },
});

const system: Actor = { type: 'system' };

export async function checkWorkflow(input: CheckWorkflowInput): Promise<void> {
  const { checkId, order, durations } = input;
  // Since 2026-12: transitions are reserved across their awaits (checks started before apply them as they arrive).
  const reserving = wf.patched('reserved-transitions');
  let state: CheckState | undefined;
  const now = () => new Date(Date.now()).toISOString();
  const pending: Promise<unknown>[] = [];
  /** Deliveries, audit entries, document work and signals not yet done: the workflow completes when none is left. */
  let outstanding = 0;
  function track(work: Promise<unknown>): void {
    outstanding++;
    const done = () => void outstanding--;
    void work.then(done, done);
    pending.push(work);
  }

  // ---- transitions in flight ------------------------------------------------
  /** The transition a handler is applying across an await (request_documents while its link is registered). */
  let applying: string | undefined;
  /** Cancels accepted and waiting (for the first decision, or for `applying`). */
  let cancelsWaiting = 0;
  /** Why a decision, claim or upload cannot start now, if something else is under way. */
  function busy(): string | undefined {
    if (applying) return `another decision is being applied (${applying}); try again`;
    if (cancelsWaiting > 0) return 'the order is being cancelled';
    return undefined;
  }

  /** Changes the state without a status transition (documents, claims): projected, not webhooked. */
  function touch(change: (s: CheckState) => CheckState): void {
    state = { ...change(state!), updatedAt: now(), version: state!.version + 1 };
  }

  // ---- projection, webhooks, audit ------------------------------------------
  let projectedVersion = 0;
  let webhooksEnabled = false;
  /** Counts this check's webhook events: each carries the next `sequence` (kept across retries). */
  let webhookSequence = 0;

  function deliver(type: WebhookEventType, eventId: string, createdAt: string, check: CheckState): void {
    if (!webhooksEnabled) return;
    webhookSequence++;
    track(
      delivery.deliverWebhook({ eventId, type, sequence: webhookSequence, createdAt, check }).catch(() => {
        // Given up after three days of retries: the failure stays in history; the check goes on.
      }),
    );
  }

  /** One signed event per transition (delivered at least once) and one audit entry. */
  function publish(check: CheckState, { audited = false } = {}): void {
    const entry = check.timeline[check.timeline.length - 1];
    const audit = transitionAudit(checkId, entry);
    if (!audited) track(store.auditEvent(audit));
    deliver(webhookEventTypes.statusChanged, audit.eventId, entry.at, check);
  }

  /**
   * Applies a transition. A handler's transition that no longer applies (the
   * check changed while it waited) is refused with an ApplicationFailure: it
   * fails that one update, never the workflow task.
   */
  function transition(to: Status, event: string, actor: Actor, reason: string, change?: (s: CheckState) => CheckState): void {
    let next: CheckState;
    try {
      next = applyTransition(state!, to, { at: now(), event, actor, reason });
    } catch (error) {
      if (error instanceof TransitionError) throw failure(failureTypes.invalidState, `${error.message} (it changed meanwhile)`);
      throw error;
    }
    if (change) next = change(next);
    const escalationSlaMs = durations.escalationSlaMs;
    // Every transition ends the claim and the SLA clocks; a new review or escalation starts its own.
    state = {
      ...next,
      claim: null,
      slaDueAt: to === 'in_review' ? new Date(Date.now() + durations.reviewSlaMs).toISOString() : null,
      escalationDueAt: to === 'escalated' && escalationSlaMs !== undefined ? new Date(Date.now() + escalationSlaMs).toISOString() : null,
      escalationOverdueAt: null,
      verification: to === 'awaiting_documents' || to === 'in_review' || to === 'escalated' ? next.verification : null,
    };
    publish(state);
  }

  /** Nobody decided an escalated case in time: flagged on the case, announced to the pipeline and to operators. */
  function flagEscalationOverdue(): void {
    const at = now();
    touch((s) => ({ ...s, escalationOverdueAt: at }));
    const escalation = state!.timeline[state!.timeline.length - 1];
    const detail = { escalatedAt: escalation.at, dueAt: state!.escalationDueAt! };
    track(store.auditEvent({ checkId, at, actor: system, action: 'escalation.overdue', detail }));
    track(store.escalationOverdue({ checkId, ...detail }));
    deliver(webhookEventTypes.escalationOverdue, `${checkId}.${escalation.seq}.overdue`, at, state!);
  }

  /** Writes every later version of the state to the read model, in order, one at a time. */
  void (async () => {
    for (;;) {
      await wf.condition(() => state !== undefined && state.version > projectedVersion);
      const snapshot = state!;
      await store.projectCheck({ check: snapshot, retentionMs: durations.retentionMs, webhookSequence });
      projectedVersion = snapshot.version;
    }
  })();

  // ---- messages -----------------------------------------------------------
  wf.setHandler(stateQuery, () => {
    if (!state) throw new Error('the check is being scored');
    return state;
  });

  /** The body the order's check was submitted with (another one's, when this workflow found an existing check). */
  let checkBodyHash: string | undefined = input.bodyHash;
  /** This workflow found the order's check already made (its first workflow is gone): it scored nothing. */
  let foundExisting = false;
  const conflict = () => failure(failureTypes.orderConflict, `order ${order.orderId} was already submitted with a different body`);

  wf.setHandler(
    submitUpdate,
    async ({ submissionId, bodyHash }) => {
      await wf.condition(() => state !== undefined);
      if (checkBodyHash !== undefined && bodyHash !== checkBodyHash) throw conflict();
      return { created: submissionId === input.submissionId && !foundExisting, check: state! };
    },
    {
      validator: ({ bodyHash }) => {
        if (checkBodyHash !== undefined && bodyHash !== checkBodyHash) throw conflict();
      },
    },
  );

  wf.setHandler(
    cancelUpdate,
    async ({ reason, actor }: CancelRequest) => {
      if (reserving) {
        // Applied at once when it can be; else held (decisions and claims refused, timers waiting) until it can.
        if (state === undefined || applying) {
          cancelsWaiting++;
          try {
            await wf.condition(() => state !== undefined && !applying);
          } finally {
            cancelsWaiting--;
          }
        }
      } else {
        await wf.condition(() => state !== undefined);
      }
      if (state!.status === 'cancelled') return state!;
      if (isFinal(state!.status)) throw failure(failureTypes.invalidState, `the check already ended ${state!.status}`);
      transition('cancelled', 'cancelled', actor, reason);
      return state!;
    },
    {
      validator: (_request: CancelRequest) => {
        if (state && isFinal(state.status) && state.status !== 'cancelled') {
          throw failure(failureTypes.invalidState, `the check already ended ${state.status}`);
        }
      },
    },
  );

  wf.setHandler(
    documentReceivedUpdate,
    async (doc: DocumentReceived) => {
      const received: DocumentState = {
        documentId: doc.documentId,
        kind: doc.kind,
        round: doc.round,
        status: 'processing',
        reason: null,
        uploadedAt: doc.uploadedAt,
        flags: [],
        duplicates: [],
      };
      touch((s) => ({ ...s, documents: [...s.documents, received] }));
      track(processDocument(received));
      return received;
    },
    {
      validator: (doc: DocumentReceived) => {
        const s = state;
        const why = busy();
        if (why) throw failure(failureTypes.invalidState, why);
        if (!s || s.status !== 'awaiting_documents' || !s.verification || s.verification.round !== doc.round) {
          throw failure(failureTypes.invalidState, 'this check is not waiting for documents from this link');
        }
        if (!s.verification.requested.includes(doc.kind)) {
          throw failure(failureTypes.invalidRequest, `"${doc.kind}" was not requested (requested: ${s.verification.requested.join(', ')})`);
        }
        if (s.documents.some((d) => d.documentId === doc.documentId)) return; // a retried call: the handler is idempotent below
        if (s.documents.filter((d) => d.round === doc.round).length >= MAX_DOCUMENTS_PER_ROUND) {
          throw failure(failureTypes.invalidState, `no more than ${MAX_DOCUMENTS_PER_ROUND} uploads per request`);
        }
      },
    },
  );

  wf.setHandler(
    claimUpdate,
    async ({ reviewerId, role }: ClaimRequest) => {
      const claim = { assignee: reviewerId, role, leaseExpiresAt: new Date(Date.now() + durations.claimLeaseMs).toISOString() };
      touch((s) => ({ ...s, claim }));
      track(store.auditEvent({ checkId, at: now(), actor: { type: 'reviewer', id: reviewerId, role }, action: 'case.claimed', detail: { leaseExpiresAt: claim.leaseExpiresAt } }));
      return claim;
    },
    {
      validator: ({ reviewerId, role }: ClaimRequest) => {
        const s = state;
        if (!s || (s.status !== 'in_review' && s.status !== 'escalated')) {
          throw failure(failureTypes.invalidState, `a case that is ${s?.status ?? 'being scored'} cannot be claimed`);
        }
        const why = busy();
        if (why) throw failure(failureTypes.invalidState, why);
        if (s.status === 'escalated' && role === 'reviewer') {
          throw failure(failureTypes.forbidden, 'escalated cases are for senior reviewers');
        }
        const held = s.claim && Date.parse(s.claim.leaseExpiresAt) > Date.now() && s.claim.assignee !== reviewerId;
        if (held && role !== 'admin') {
          throw failure(failureTypes.alreadyClaimed, `claimed by ${s.claim!.assignee} until ${s.claim!.leaseExpiresAt}`);
        }
      },
    },
  );

  wf.setHandler(
    decideUpdate,
    async (request: DecisionRequest) => {
      const actor: Actor = { type: 'reviewer', id: request.reviewerId, role: request.role };
      track(
        store.auditEvent({
          checkId,
          at: now(),
          actor,
          action: `decision.${request.action}`,
          detail: { reason: request.reason, ...(request.requested ? { requested: request.requested } : {}) },
        }),
      );
      if (request.action === 'request_documents') {
        await requestDocuments(request.requested!, actor, request.reason);
      } else {
        const event = request.action === 'report' ? 'reported' : request.action === 'escalate' ? 'escalated' : actionTarget[request.action];
        transition(actionTarget[request.action], event, actor, request.reason);
      }
      return state!;
    },
    {
      validator: (request: DecisionRequest) => {
        if (!state) throw failure(failureTypes.invalidState, 'the check is being scored');
        if (!request.reason?.trim()) throw failure(failureTypes.invalidRequest, 'a reason is required');
        const why = busy();
        if (why) throw failure(failureTypes.invalidState, why);
        const problem = decisionProblem(state, { ...request, now: Date.now() });
        if (problem) throw failure(problem.code, problem.message);
      },
    },
  );

  wf.setHandler(duplicateSignal, ({ documentId, match }) => {
    if (!state) return;
    const known = state.documents.find((d) => d.documentId === documentId);
    if (!known || known.duplicates.some((m) => m.documentId === match.documentId)) return;
    touch((s) => ({
      ...s,
      documents: s.documents.map((d) =>
        d.documentId === documentId ? { ...d, flags: unique([...d.flags, 'duplicate']), duplicates: [...d.duplicates, match] } : d,
      ),
    }));
  });

  // ---- documents ------------------------------------------------------------
  async function processDocument(doc: DocumentState): Promise<void> {
    let result: Awaited<ReturnType<CheckActivities['processDocument']>>;
    try {
      result = await documentsQueue.processDocument({ documentId: doc.documentId, checkId, orderId: order.orderId, kind: doc.kind });
    } catch {
      result = { status: 'rejected', reason: 'unreadable', flags: [], duplicates: [] };
    }
    touch((s) => ({
      ...s,
      documents: s.documents.map((d) =>
        d.documentId === doc.documentId
          ? { ...d, status: result.status, reason: result.reason, flags: result.flags, duplicates: result.duplicates.map(({ orderId: _o, ...m }) => m) }
          : d,
      ),
    }));
    // The other customer's check learns it too (its workflow is the only writer of its state).
    for (const match of result.duplicates) {
      const other = wf.getExternalWorkflowHandle(`fraud-check/${match.orderId}`);
      track(
        other
          .signal(duplicateSignal, {
            documentId: match.documentId,
            match: { checkId, documentId: doc.documentId, distance: match.distance, exact: match.exact },
          })
          .catch(() => undefined), // that check's workflow has completed: nothing to flag
      );
    }
    if (result.duplicates.length > 0 && !state!.risk.reasons.some((r) => r.code === 'DUPLICATE_DOCUMENT')) {
      touch((s) => {
        const score = Math.min(100, s.risk.score + DUPLICATE_DOCUMENT_POINTS);
        const reasons = [
          ...s.risk.reasons,
          { code: 'DUPLICATE_DOCUMENT', points: DUPLICATE_DOCUMENT_POINTS, detail: `a ${doc.kind} document matches one on ${result.duplicates.length} other check(s)` },
        ].sort((a, b) => b.points - a.points);
        return { ...s, risk: { ...s.risk, score, band: bandFor(score, ruleset.bands), reasons } };
      });
    }
    if (state!.status === 'awaiting_documents' && allRequestedAccepted(state!)) {
      transition('in_review', 'documents_received', system, 'every requested document was accepted');
    }
  }

  async function requestDocuments(requested: DocumentKind[], actor: Actor, reason: string): Promise<void> {
    const round = (state!.verification?.round ?? 0) + 1;
    const startedAt = now();
    const expiresAt = new Date(Date.now() + durations.uploadDeadlineMs).toISOString();
    // The token must work before anyone hears about it; until then the transition is reserved.
    if (reserving) applying = 'request_documents';
    try {
      await store.openVerificationRound({ checkId, orderId: order.orderId, round, expiresAt });
    } finally {
      if (reserving) applying = undefined;
    }
    transition('awaiting_documents', 'documents_requested', actor, reason, (s) => ({
      ...s,
      verification: { round, requested: unique(requested), startedAt, expiresAt, remindersSent: 0 },
    }));
    notify(0);
  }

  function notify(reminder: number): void {
    const v = state!.verification!;
    track(
      delivery
        .sendVerificationEmail({ checkId, orderId: order.orderId, round: v.round, requested: v.requested, expiresAt: v.expiresAt, reminder })
        .catch(() => undefined),
    );
  }

  // ---- score and decide: one local activity, in the first workflow task ----
  // (it also writes the read model and the token, so both exist before the caller hears the decision)
  const decision = await local.decide({
    checkId,
    order,
    at: now(),
    uploadDeadlineMs: durations.uploadDeadlineMs,
    reviewSlaMs: durations.reviewSlaMs,
    bodyHash: input.bodyHash,
    retentionMs: durations.retentionMs,
  });
  webhooksEnabled = decision.webhooks;
  projectedVersion = decision.check.version;
  if (decision.existing) {
    // The order's check exists and its first workflow is gone: this one answers with it (never a second
    // check, never a second decision) and, if it is still open, carries on as its workflow.
    foundExisting = true;
    checkBodyHash = decision.existing.bodyHash;
    webhookSequence = decision.existing.webhookSequence ?? 0;
    state = decision.check;
  } else {
    state = decision.check;
    // Since 2026-11-25 the decision activity writes the first audit entry itself
    // (one task fewer per check); checks started before replay the old way.
    publish(state, { audited: wf.patched('audit-in-decision') });
    if (state.status === 'awaiting_documents') notify(0);
  }

  // ---- wait for messages and timers until final ---------------------------
  while (!isFinal(state.status)) {
    const timer = nextTimer(state, durations);
    const seen = state.version;
    const hasChanged = () => state!.version !== seen;
    if (!timer) {
      await wf.condition(hasChanged);
      continue;
    }
    if (await wf.condition(hasChanged, Math.max(1, Date.parse(timer.at) - Date.now()))) continue;
    if (applying || cancelsWaiting > 0) {
      // A transition is under way: the timer waits for it, then the loop looks again.
      await wf.condition(() => !applying && cancelsWaiting === 0);
      continue;
    }
    switch (timer.kind) {
      case 'reminder':
        touch((s) => ({ ...s, verification: { ...s.verification!, remindersSent: s.verification!.remindersSent + 1 } }));
        notify(state.verification!.remindersSent);
        break;
      case 'upload_deadline':
        transition('expired', 'expired', system, 'the upload deadline passed without the requested documents');
        break;
      case 'review_sla':
        transition('escalated', 'sla_escalated', system, 'nobody decided the case within the review SLA');
        break;
      case 'escalation_sla':
        flagEscalationOverdue();
        break;
    }
  }

  // ---- final: finish the deliveries, then complete ---------------------------
  await wf.condition(() => projectedVersion >= state!.version && wf.allHandlersFinished());
  if (wf.patched('retention-by-schedule')) {
    // The final projection filed the check for the retention sweep: nothing here needs to wait 180 days.
    await wf.condition(() => outstanding === 0 && projectedVersion >= state!.version && wf.allHandlersFinished());
    return;
  }
  // Checks that ended before: their own retention timer, then the purge.
  await wf.sleep(durations.retentionMs);
  await store.purgeCheck({ checkId, orderId: order.orderId });
  await Promise.all(pending);
}

type TimerKind = 'reminder' | 'upload_deadline' | 'review_sla' | 'escalation_sla';

/** The next timer the check waits for, derived from its state (pure). */
export function nextTimer(state: CheckState, durations: Durations): { kind: TimerKind; at: string } | undefined {
  const v = state.verification;
  if (state.status === 'awaiting_documents' && v) {
    const reminderAt = Date.parse(v.startedAt) + (v.remindersSent + 1) * durations.reminderIntervalMs;
    if (reminderAt < Date.parse(v.expiresAt)) return { kind: 'reminder', at: new Date(reminderAt).toISOString() };
    return { kind: 'upload_deadline', at: v.expiresAt };
  }
  if (state.status === 'in_review' && state.slaDueAt) return { kind: 'review_sla', at: state.slaDueAt };
  if (state.status === 'escalated' && state.escalationDueAt && !state.escalationOverdueAt) {
    return { kind: 'escalation_sla', at: state.escalationDueAt };
  }
  return undefined;
}

function failure(type: string, message: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type, message, nonRetryable: true });
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export { MAX_VERIFICATION_ROUNDS };

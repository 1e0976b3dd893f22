/**
 * One workflow per order (`fraud-check/<orderId>`): the source of truth of its check.
 *
 * Reads top to bottom: score and decide; then wait — for messages (documents,
 * claims, reviewer decisions, cancel) or for the next timer (reminder, upload
 * deadline, review SLA, escalation SLA) — until the check is final; then finish
 * the deliveries and complete. What each message or timer changes is the pure
 * reducer's business (domain/checkReducer.ts): a handler names its event and the
 * workflow carries out the effects the reducer returns, in order.
 *
 * Just over 400 lines on purpose: the handlers that wait for an activity before their
 * transition (request_documents, a document's rejection, reject-and-block) keep their
 * reservation and re-checks here, beside the story they interrupt, with their patches.
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
import { isFinal, transitionAudit, webhookEventTypes, type Actor, type CheckState, type DocumentState, type WebhookEventType } from '../domain/check';
import {
  cancelRefusal,
  claimRefusal,
  decisionRefusal,
  documentDecisionRefusal,
  nextRound,
  reduce,
  uploadRefusal,
  type CheckEffect,
  type CheckEvent,
  type CheckRefusal,
  type DocumentRule,
  type ProcessedDocument,
} from '../domain/checkReducer';
import type { DocumentKind, Order } from '../domain/order';
import type { CheckActivities } from '../activities';
import { duplicateDocumentRule } from '../scoring/documentRules';
import { ruleset } from '../scoring/rules';
import {
  cancelUpdate,
  claimUpdate,
  decideUpdate,
  documentReceivedUpdate,
  duplicateSignal,
  failureTypes,
  rejectDocumentUpdate,
  stateQuery,
  submitUpdate,
  type CancelRequest,
} from './messages';
import { taskQueues, workflowIdFor } from './names';

export interface CheckWorkflowInput {
  checkId: string;
  order: Order;
  bodyHash: string;
  submissionId: string;
  durations: Durations;
}

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

/**
 * Since 2026-12 (`local-writes`) what a transition leaves behind (its audit entries, the read model)
 * is written by local activities, in the workflow task that applies it: a claim or a decision is one
 * workflow task, with no activity task round trips through the server (was: 2–3 workflow tasks and
 * 2–3 activity tasks each). Still retried until the database is back; the task heartbeats meanwhile.
 * A write that a handler awaits before its transition (a new round's link, reject-and-block) stays
 * an activity task: while it runs, other messages reach the workflow and see the reservation.
 */
const localStore = wf.proxyLocalActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/** Where this workflow's store writes go: local activities since `local-writes`, activity tasks in checks that wrote before it. */
function writer(): typeof store {
  return wf.patched('local-writes') ? localStore : store;
}

/** Webhooks and e-mail: at-least-once with backoff, for up to three days; a failing receiver blocks nothing. */
const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/**
 * Image and PDF work runs on its own task queue, so it scales apart and never slows decisions.
 * The activity heartbeats (activities/documents.ts): a documents worker that dies mid-document
 * is noticed within the heartbeat timeout and the document goes to another, not after 2 minutes.
 * (Activity options are not part of replay: histories recorded before replay unchanged.)
 */
const documentsQueue = wf.proxyActivities<CheckActivities>({
  taskQueue: taskQueues.documents,
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10 },
});

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

  /** Applies an event: the reducer's next state, then its effects in order; a refusal fails that message only. */
  function apply(event: CheckEvent): CheckState {
    const outcome = reduce(state!, event, { now: Date.now(), durations });
    if (!outcome.ok) throw refused(outcome.refusal);
    state = outcome.state;
    for (const effect of outcome.effects) carryOut(effect);
    return state;
  }

  // ---- projection, webhooks, audit, e-mail ----------------------------------
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

  // Since `local-writes`, the audit entries of one activation (a decision's own and its transition's) wait
  // here and go in one local activity, in order: one read of the chain, no two appends racing for a seq.
  type AuditEventInput = Parameters<CheckActivities['auditEvent']>[0];
  const auditsWaiting: AuditEventInput[] = [];
  function record(entry: AuditEventInput): void {
    if (!wf.patched('local-writes')) return track(store.auditEvent(entry));
    // Its own id, stable across retries (a local activity retried after a backoff gets a new activity id).
    auditsWaiting.push({ ...entry, eventId: entry.eventId ?? `audit.${wf.uuid4()}` });
    outstanding++;
  }
  void (async () => {
    for (;;) {
      await wf.condition(() => auditsWaiting.length > 0);
      const batch = auditsWaiting.splice(0) as Array<AuditEventInput & { eventId: string }>;
      try {
        await localStore.auditEvents(batch);
      } finally {
        outstanding -= batch.length;
      }
    }
  })();

  /** One signed event per transition (delivered at least once) and one audit entry. */
  function publish(check: CheckState, { audited = false } = {}): void {
    const entry = check.timeline[check.timeline.length - 1];
    const audit = transitionAudit(checkId, entry);
    if (!audited) record(audit);
    deliver(webhookEventTypes.statusChanged, audit.eventId, entry.at, check);
  }

  function notify(reminder: number): void {
    const v = state!.verification!;
    track(
      delivery
        .sendVerificationEmail({ checkId, orderId: order.orderId, round: v.round, requested: v.requested, expiresAt: v.expiresAt, reminder })
        .catch(() => undefined),
    );
  }

  function carryOut(effect: CheckEffect): void {
    switch (effect.type) {
      case 'status_changed':
        return publish(state!);
      case 'audit':
        return record({ checkId, at: effect.at, actor: effect.actor, action: effect.action, detail: effect.detail });
      case 'process_document':
        return track(processDocument(effect.document));
      case 'report_duplicate': {
        const other = wf.getExternalWorkflowHandle(workflowIdFor(effect.orderId));
        // That check's workflow may have completed: then there is nothing to flag.
        return track(other.signal(duplicateSignal, { documentId: effect.documentId, match: effect.match }).catch(() => undefined));
      }
      case 'send_verification_email':
        return notify(effect.reminder);
      case 'escalation_overdue': {
        const detail = { escalatedAt: effect.escalatedAt, dueAt: effect.dueAt };
        track(writer().escalationOverdue({ checkId, ...detail }));
        return deliver(webhookEventTypes.escalationOverdue, effect.eventId, effect.at, state!);
      }
    }
  }

  /** Writes every later version of the state to the read model, in order, one at a time. */
  void (async () => {
    for (;;) {
      await wf.condition(() => state !== undefined && state.version > projectedVersion);
      const snapshot = state!;
      await writer().projectCheck({ check: snapshot, retentionMs: durations.retentionMs, webhookSequence });
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
  /** The decision (its ruleset version's bands and duplicate-document points), once made. */
  let decided: DecidedBy | undefined = undefined;
  const conflict = () => failure(failureTypes.orderConflict, `order ${order.orderId} was already submitted with a different body`);
  const refuseIf = (refusal: CheckRefusal | undefined) => {
    if (refusal) throw refused(refusal);
  };

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
    async ({ reason, actor }) => {
      // Applied at once when it can be; else held (decisions and claims refused, timers waiting) until it can.
      if (reserving && (state === undefined || applying)) {
        cancelsWaiting++;
        try {
          await wf.condition(() => state !== undefined && !applying);
        } finally {
          cancelsWaiting--;
        }
      } else if (!reserving) {
        await wf.condition(() => state !== undefined);
      }
      return apply({ type: 'cancelled', actor, reason });
    },
    { validator: (_request: CancelRequest) => refuseIf(cancelRefusal(state)) },
  );

  wf.setHandler(
    documentReceivedUpdate,
    async (document) => apply({ type: 'document_received', document }).documents.at(-1)!,
    { validator: (doc) => refuseIf(uploadRefusal(state, doc, busy())) },
  );

  wf.setHandler(
    claimUpdate,
    async ({ reviewerId, role }) => apply({ type: 'claimed', reviewerId, role }).claim!,
    { validator: (request) => refuseIf(claimRefusal(state, request, busy(), Date.now())) },
  );

  wf.setHandler(
    decideUpdate,
    async ({ action, reason, requested, block, reviewerId, role }) => {
      const actor: Actor = { type: 'reviewer', id: reviewerId, role };
      const at = now();
      carryOut({ type: 'audit', at, actor, action: `decision.${action}`, detail: { reason, ...(requested ? { requested } : {}), ...(block?.length ? { block } : {}) } });
      if (action === 'request_documents') return requestDocuments(requested!, actor, reason);
      const decided = apply({ type: 'decided', action, actor, reason });
      // Since 2026-12: a reject may put the order's values on the block list before the reviewer hears back
      // (an activity retried until stored, so a crash between the decision and the list loses nothing).
      if (action === 'reject' && block?.length && wf.patched('block-on-reject')) {
        await store.blockOrderValues({ checkId, order, types: block, actor, at });
      }
      return decided;
    },
    { validator: (request) => refuseIf(decisionRefusal(state, request, busy(), Date.now())) },
  );

  // Since 2026-12: a reviewer rejects one document and asks for just that one again (a new round for its kind).
  wf.setHandler(
    rejectDocumentUpdate,
    async ({ documentId, reason, reviewerId, role }) => {
      if (!wf.patched('document-decisions')) throw failure(failureTypes.invalidState, 'this check does not take per-document decisions');
      const kind = state!.documents.find((d) => d.documentId === documentId)!.kind;
      const round = nextRound(state!, [kind], Date.now(), durations.uploadDeadlineMs);
      // The new link must work before the customer hears of it: reserved like request_documents.
      applying = 'document_rejected';
      try {
        await store.openVerificationRound({ checkId, orderId: order.orderId, round: round.round, expiresAt: round.expiresAt });
      } finally {
        applying = undefined;
      }
      return apply({ type: 'document_rejected', documentId, round, actor: { type: 'reviewer', id: reviewerId, role }, reason });
    },
    { validator: (request) => refuseIf(documentDecisionRefusal(state, request, busy(), Date.now())) },
  );

  wf.setHandler(duplicateSignal, ({ documentId, match }) => {
    if (state) apply({ type: 'duplicate_reported', documentId, match });
  });

  // ---- documents ------------------------------------------------------------
  async function processDocument(document: DocumentState): Promise<void> {
    let result: ProcessedDocument;
    try {
      result = await documentsQueue.processDocument({ documentId: document.documentId, checkId, orderId: order.orderId, kind: document.kind });
    } catch {
      result = { status: 'rejected', reason: 'unreadable', flags: [], duplicates: [] };
    }
    apply({ type: 'document_processed', document, result, ...(result.duplicates.length > 0 ? { duplicateRule: duplicateRule(decided) } : {}) });
  }

  async function requestDocuments(requested: DocumentKind[], actor: Actor, reason: string): Promise<CheckState> {
    const round = nextRound(state!, requested, Date.now(), durations.uploadDeadlineMs);
    // The token must work before anyone hears about it; until then the transition is reserved.
    if (reserving) applying = 'request_documents';
    try {
      await store.openVerificationRound({ checkId, orderId: order.orderId, round: round.round, expiresAt: round.expiresAt });
    } finally {
      if (reserving) applying = undefined;
    }
    return apply({ type: 'documents_requested', round, actor, reason });
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
  // The version that decided, as the decision recorded it: a replay uses the version it used.
  decided = decision;
  state = decision.check;
  if (decision.existing) {
    // The order's check exists and its first workflow is gone: this one answers with it (never a second
    // check, never a second decision) and, if it is still open, carries on as its workflow.
    foundExisting = true;
    checkBodyHash = decision.existing.bodyHash;
    webhookSequence = decision.existing.webhookSequence ?? 0;
  } else {
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
    apply({ type: timerEvents[timer.kind] });
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

/**
 * DUPLICATE_DOCUMENT as the ruleset has it (its points, re-banded by its bands).
 * Checks that met a duplicate before the rule was in the ruleset keep the 30 points
 * the workflow used to add by itself.
 */
/** What the decision says of the ruleset version that decided (activities/scoring.ts `Decision`). */
type DecidedBy = Pick<Awaited<ReturnType<CheckActivities['decide']>>, 'bands' | 'duplicateDocumentPoints'>;

function duplicateRule(decided?: DecidedBy): DocumentRule {
  if (!wf.patched('duplicate-document-rule')) return { code: duplicateDocumentRule.code, points: 30, bands: ruleset.bands };
  const rule = ruleset.rules.find((r) => r.code === duplicateDocumentRule.code) ?? duplicateDocumentRule;
  // The version that decided the check, as its decision recorded it (from history); decisions made
  // before rulesets were live data carry neither and use the engine's own ruleset.
  return { code: rule.code, points: decided?.duplicateDocumentPoints ?? rule.points, bands: decided?.bands ?? ruleset.bands };
}

type TimerKind = 'reminder' | 'upload_deadline' | 'review_sla' | 'escalation_sla';
const timerEvents = {
  reminder: 'reminder_due',
  upload_deadline: 'upload_deadline_passed',
  review_sla: 'review_sla_passed',
  escalation_sla: 'escalation_sla_passed',
} as const satisfies Record<TimerKind, CheckEvent['type']>;

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

const refused = (refusal: CheckRefusal) => failure(refusal.code, refusal.message);

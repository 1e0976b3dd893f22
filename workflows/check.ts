/**
 * One workflow per order (`fraud-check/<orderId>`): the source of truth of its check.
 *
 * Reads top to bottom: score and decide; then wait — for messages (cancel,
 * documents, reviewer decisions) or for the next timer (reminder, upload
 * deadline, review SLA) — until the check is final; then keep it for the
 * retention period and purge the customer's data.
 */
import * as wf from '@temporalio/workflow';
import type { Durations } from '../config';
import {
  applyTransition,
  isFinal,
  statusForAction,
  type Actor,
  type CheckState,
  type Status,
} from '../domain/check';
import type { Order } from '../domain/order';
import type { CheckActivities } from '../activities';
import { cancelUpdate, failureTypes, stateQuery, submitUpdate, type CancelRequest } from './messages';

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

/** Read-model writes: retried until the database is back. */
const projection = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/** Webhooks: at-least-once with backoff, for up to three days; a failing receiver blocks nothing. */
const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

const system: Actor = { type: 'system' };

export async function checkWorkflow(input: CheckWorkflowInput): Promise<void> {
  const { checkId, order, durations } = input;
  let state: CheckState | undefined;
  const now = () => new Date(Date.now()).toISOString();

  // ---- messages -----------------------------------------------------------
  wf.setHandler(stateQuery, () => {
    if (!state) throw new Error('the check is being scored');
    return state;
  });

  wf.setHandler(
    submitUpdate,
    async ({ submissionId }) => {
      await wf.condition(() => state !== undefined);
      return { created: submissionId === input.submissionId, check: state! };
    },
    {
      validator: ({ bodyHash }) => {
        if (bodyHash !== input.bodyHash) {
          throw wf.ApplicationFailure.create({
            type: failureTypes.orderConflict,
            message: `order ${order.orderId} was already submitted with a different body`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  wf.setHandler(
    cancelUpdate,
    async ({ reason, actor }) => {
      await wf.condition(() => state !== undefined);
      if (state!.status !== 'cancelled') transition('cancelled', 'cancelled', actor, reason);
      return state!;
    },
    {
      validator: (_request: CancelRequest) => {
        if (state && isFinal(state.status) && state.status !== 'cancelled') {
          throw invalidState(`the check already ended ${state.status}`);
        }
      },
    },
  );

  // ---- projection and webhooks -------------------------------------------
  let projectedVersion = 0;
  let orderProjected = false;
  const webhooks: Promise<unknown>[] = [];

  function transition(to: Status, event: string, actor: Actor, reason: string): void {
    state = applyTransition(state!, to, { at: now(), event, actor, reason });
    const entry = state.timeline[state.timeline.length - 1];
    webhooks.push(
      delivery.deliverWebhook({ eventId: `${checkId}.${entry.seq}`, createdAt: entry.at, check: state }).catch(() => {
        // Given up after three days of retries: recorded in the activity's failure, never blocks the check.
      }),
    );
  }

  /** Writes every version of the state to the read model, in order, one at a time. */
  const projector = (async () => {
    for (;;) {
      await wf.condition(() => state !== undefined && state.version > projectedVersion);
      const snapshot = state!;
      await projection.projectCheck({ check: snapshot, order: orderProjected ? undefined : order });
      orderProjected = true;
      projectedVersion = snapshot.version;
    }
  })();
  void projector;

  // ---- score and decide ---------------------------------------------------
  const createdAt = now();
  const risk = await local.scoreOrder({ checkId, order, at: createdAt });
  const initial: CheckState = {
    checkId,
    orderId: order.orderId,
    status: 'approved', // replaced by the first transition below
    risk: { score: risk.score, band: risk.band, action: risk.action, rulesetVersion: risk.rulesetVersion, reasons: risk.reasons },
    verification: null,
    createdAt,
    updatedAt: createdAt,
    timeline: [],
    version: 0,
  };
  const first = statusForAction(risk.action);
  if (first === 'awaiting_documents') {
    const expiresAt = new Date(Date.parse(createdAt) + durations.uploadDeadlineMs).toISOString();
    initial.verification = { round: 1, requested: risk.requested, startedAt: createdAt, expiresAt, remindersSent: 0 };
    await local.openVerificationRound({ checkId, orderId: order.orderId, round: 1, expiresAt });
  }
  state = {
    ...initial,
    timeline: [{ seq: 1, at: createdAt, event: 'scored', from: null, to: first, actor: system, reason: decisionReason(risk.action, risk.score, risk.band) }],
    status: first,
    version: 1,
  };
  webhooks.push(
    delivery.deliverWebhook({ eventId: `${checkId}.1`, createdAt, check: state }).catch(() => undefined),
  );

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
    if (timer.kind === 'upload_deadline') {
      transition('expired', 'expired', system, 'the upload deadline passed without the requested documents');
    }
  }

  // ---- retention ------------------------------------------------------------
  await wf.condition(() => projectedVersion >= state!.version);
  await wf.sleep(durations.retentionMs);
  await projection.purgeCheck({ checkId, orderId: order.orderId });
  await Promise.all(webhooks);
}

type TimerKind = 'upload_deadline';

/** The next timer the check is waiting for, derived from its state. */
function nextTimer(state: CheckState, _durations: Durations): { kind: TimerKind; at: string } | undefined {
  if (state.status === 'awaiting_documents' && state.verification) {
    return { kind: 'upload_deadline', at: state.verification.expiresAt };
  }
  return undefined;
}

function decisionReason(action: string, score: number, band: string): string {
  const what: Record<string, string> = {
    approve: 'low risk: released',
    verify: 'documents requested before release',
    review: 'held for a reviewer',
    block: 'blocked',
  };
  return `score ${score} (${band}): ${what[action] ?? action}`;
}

function invalidState(message: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: failureTypes.invalidState, message, nonRetryable: true });
}

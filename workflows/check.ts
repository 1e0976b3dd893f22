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
  let webhooksEnabled = false;
  const webhooks: Promise<unknown>[] = [];

  /** One signed event per transition, delivered at least once; never blocks the check. */
  function publish(check: CheckState): void {
    if (!webhooksEnabled) return;
    const entry = check.timeline[check.timeline.length - 1];
    webhooks.push(
      delivery.deliverWebhook({ eventId: `${checkId}.${entry.seq}`, createdAt: entry.at, check }).catch(() => {
        // Given up after three days of retries: the failure stays in history; the check goes on.
      }),
    );
  }

  function transition(to: Status, event: string, actor: Actor, reason: string): void {
    state = applyTransition(state!, to, { at: now(), event, actor, reason });
    publish(state);
  }

  /** Writes every later version of the state to the read model, in order, one at a time. */
  void (async () => {
    for (;;) {
      await wf.condition(() => state !== undefined && state.version > projectedVersion);
      const snapshot = state!;
      await projection.projectCheck({ check: snapshot });
      projectedVersion = snapshot.version;
    }
  })();

  // ---- score and decide: one local activity, in the first workflow task ----
  // (it also writes the read model and the token, so both exist before the caller hears the decision)
  const decision = await local.decide({ checkId, order, at: now(), uploadDeadlineMs: durations.uploadDeadlineMs });
  webhooksEnabled = decision.webhooks;
  projectedVersion = decision.check.version;
  state = decision.check;
  publish(state);

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

function invalidState(message: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: failureTypes.invalidState, message, nonRetryable: true });
}

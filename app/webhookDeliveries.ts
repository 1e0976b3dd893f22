/**
 * Webhook operations for the order pipeline: the delivery log of a check's events and a
 * redelivery of one event. The log is read from append-only records the delivery activity
 * writes (models/webhookDelivery.ts); a redelivery is a short workflow of its own
 * (workflows/webhookRedelivery.ts), since sending an event again changes no check and the
 * check's own workflow may have completed.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { taskQueues } from '../workflows/names';
import { CheckModel, WebhookAttemptModel, WebhookEventModel, WebhookRedeliveryModel } from '../models';
import { refuse } from '../domain/errors';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** Null for the engine's own deliveries. */
  redeliveryId: string | null;
}

export interface LoggedEvent {
  id: string;
  type: string;
  sequence: number | null;
  createdAt: string;
  /** delivered: an attempt landed; failing: attempts so far all failed (retries go on); pending: no attempt logged yet. */
  status: 'delivered' | 'failing' | 'pending';
  /** False once the retention purge took the event's body: it can no longer be redelivered. */
  redeliverable: boolean;
  attempts: DeliveryAttempt[];
  redeliveries: { redeliveryId: string; requestedAt: string; requestedBy: string }[];
}

export interface WebhookLog {
  orderId: string;
  checkId: string;
  events: LoggedEvent[];
}

async function checkOf(orderId: string): Promise<{ checkId: string; orderId: string }> {
  const record = await CheckModel.findOne({ orderId }, { _id: 1, orderId: 1 }).lean();
  if (!record) throw refuse.notFound('check');
  return { checkId: record._id as string, orderId: record.orderId as string };
}

/** Every event of the order's check with every attempt, oldest event first, attempts in time order. */
export async function webhookLog(orderId: string): Promise<WebhookLog> {
  const { checkId } = await checkOf(orderId);
  const [events, attempts, redeliveries] = await Promise.all([
    WebhookEventModel.find({ checkId }, { check: 0 }).lean(),
    WebhookAttemptModel.find({ checkId }).lean(),
    WebhookRedeliveryModel.find({ checkId }).lean(),
  ]);
  const byId = new Map<string, LoggedEvent>();
  const entry = (id: string, type: string, sequence: number | null | undefined, createdAt: string, redeliverable: boolean) => {
    let e = byId.get(id);
    if (!e) {
      e = { id, type, sequence: sequence ?? null, createdAt, status: 'pending', redeliverable, attempts: [], redeliveries: [] };
      byId.set(id, e);
    }
    return e;
  };
  for (const e of events) entry(e._id, e.type, e.sequence, e.createdAt, true);
  for (const a of attempts) {
    entry(a.eventId, a.type, a.sequence, a.eventCreatedAt, false).attempts.push({
      attempt: a.attempt,
      at: a.at.toISOString(),
      outcome: a.outcome as DeliveryAttempt['outcome'],
      statusCode: a.statusCode ?? null,
      error: a.error ?? null,
      durationMs: a.durationMs,
      redeliveryId: a.redeliveryId ?? null,
    });
  }
  for (const r of redeliveries) {
    byId.get(r.eventId)?.redeliveries.push({ redeliveryId: r._id, requestedAt: r.requestedAt.toISOString(), requestedBy: r.requestedBy });
  }
  for (const e of byId.values()) {
    e.attempts.sort((x, y) => x.at.localeCompare(y.at) || x.attempt - y.attempt);
    e.redeliveries.sort((x, y) => x.requestedAt.localeCompare(y.requestedAt));
    e.status = e.attempts.some((a) => a.outcome === 'delivered') ? 'delivered' : e.attempts.length > 0 ? 'failing' : 'pending';
  }
  const order = (e: LoggedEvent) => [e.sequence ?? Number.MAX_SAFE_INTEGER, e.createdAt] as const;
  const events_ = [...byId.values()].sort((x, y) => order(x)[0] - order(y)[0] || order(x)[1].localeCompare(order(y)[1]));
  return { orderId, checkId, events: events_ };
}

export interface Redelivery {
  redeliveryId: string;
  eventId: string;
  requestedAt: string;
  status: 'scheduled';
}

/**
 * Sends one event of the order's check again: the same id, type, sequence and data as first
 * sent (the receiver deduplicates by id), freshly signed. One redelivery of an event at a
 * time: another while one still retries is 409.
 */
export async function redeliverEvent(
  deps: { temporal: Client; webhookConfigured: boolean },
  request: { orderId: string; eventId: string; requestedBy: string },
): Promise<Redelivery> {
  const { checkId } = await checkOf(request.orderId);
  if (!deps.webhookConfigured) throw refuse.webhookNotConfigured('no webhook receiver is configured (WEBHOOK_URL): there is nothing to deliver to');
  const event = await WebhookEventModel.findById(request.eventId, { checkId: 1 }).lean();
  if (!event || event.checkId !== checkId) {
    const logged = await WebhookAttemptModel.exists({ checkId, eventId: request.eventId });
    if (logged) throw refuse.destroyed("the event's content was purged with the check's data (retention): it cannot be sent again");
    throw refuse.notFound('event');
  }
  const redeliveryId = `rdl_${randomBytes(12).toString('base64url')}`;
  const requestedAt = new Date();
  try {
    await deps.temporal.workflow.start('webhookRedeliveryWorkflow', {
      workflowId: `webhook-redelivery/${request.eventId}`,
      taskQueue: taskQueues.checks,
      args: [{ eventId: request.eventId, redeliveryId }],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw refuse.redeliveryInProgress('a redelivery of this event is still under way (see its attempts in the log); try again when it has finished');
    }
    throw error;
  }
  // After the start: a record is only written for a redelivery that runs (append-only; never updated).
  await WebhookRedeliveryModel.create({ _id: redeliveryId, checkId, eventId: request.eventId, requestedAt, requestedBy: request.requestedBy });
  return { redeliveryId, eventId: request.eventId, requestedAt: requestedAt.toISOString(), status: 'scheduled' };
}

/**
 * Webhooks to the order pipeline: one event per transition (and one when an
 * escalated case is overdue), signed like Stripe's
 * (`X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`).
 * Temporal retries a failed delivery with backoff; `id` and `sequence` stay the
 * same. Redirects are never followed: a 3xx is a failed delivery, retried (a
 * receiver that moved must be reconfigured, never a signed body re-sent to
 * wherever a Location header points). Every event and attempt is logged, append-only
 * (models/webhookDelivery.ts): `GET /v1/checks/:orderId/events` reads the log.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { webhookEventTypes, type CheckState, type WebhookEventType } from '../domain/check';
import { presentCheck, type PresentOptions } from '../lib/present';
import { WebhookAttemptModel, WebhookEventModel, isDuplicateKey } from '../models';
import { logger } from '../lib/logger';

export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** One event as the engine sends it: the same id, type, sequence and data on every attempt and redelivery. */
export interface WebhookEventInput {
  eventId: string;
  createdAt: string;
  check: CheckState;
  type?: WebhookEventType;
  sequence?: number;
  /** Fields an event adds to the check's data (a case file's reference: `check.report_created`). */
  extra?: Record<string, unknown>;
}

/** Why a delivery failed, as the failure's type (and the metrics' reason). */
type DeliveryFailure = 'webhook_unreachable' | 'webhook_redirected' | 'webhook_rejected';

export function createWebhookActivities(webhook: { url: string; secret: string } | undefined, present: PresentOptions) {
  /** Posts the event once; records the attempt (append-only); throws a retryable failure when it did not land. */
  async function send(input: WebhookEventInput, redeliveryId?: string): Promise<void> {
    if (!webhook) return;
    const type = input.type ?? webhookEventTypes.statusChanged;
    const body = JSON.stringify({
      id: input.eventId,
      type,
      ...(input.sequence !== undefined ? { sequence: input.sequence } : {}),
      createdAt: input.createdAt,
      data: { ...presentCheck(input.check, present, true), ...input.extra },
    });
    const t = Math.floor(Date.now() / 1000);
    const startedAt = Date.now();
    let failure: { type: DeliveryFailure; message: string } | undefined;
    let statusCode: number | undefined;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature(webhook.secret, t, body), 'user-agent': 'fraud-engine-webhooks/1' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (response.status >= 300 && response.status < 400) {
        failure = { type: 'webhook_redirected', message: `webhook receiver answered ${response.status}: redirects are not followed` };
      } else if (!response.ok) {
        failure = { type: 'webhook_rejected', message: `webhook receiver answered ${response.status}` };
      }
    } catch (error) {
      failure = { type: 'webhook_unreachable', message: `webhook receiver unreachable: ${(error as Error).message}` };
    }
    await recordAttempt({
      checkId: input.check.checkId,
      eventId: input.eventId,
      type,
      sequence: input.sequence,
      eventCreatedAt: input.createdAt,
      redeliveryId,
      attempt: Context.current().info.attempt,
      at: new Date(startedAt),
      outcome: failure ? 'failed' : 'delivered',
      statusCode,
      error: failure?.type,
      durationMs: Date.now() - startedAt,
    });
    if (failure) throw ApplicationFailure.retryable(failure.message, failure.type);
  }

  return {
    /**
     * `sequence`: the check's event counter (1, 2, 3, … over every event this check
     * emits); absent in deliveries scheduled by checks started before it existed.
     */
    async deliverWebhook(input: WebhookEventInput): Promise<void> {
      if (!webhook) return; // no receiver configured
      await recordEvent(input);
      await send(input);
    },

    /**
     * A redelivery an operator asked for (app/webhookDeliveries.ts): the event as it was
     * first sent, from its record, with a fresh signature; attempts logged under the
     * redelivery's id. Not part of any check's workflow: sending an event again changes no
     * check, so it runs whether the check's workflow still runs or completed long ago.
     */
    async redeliverWebhook(input: { eventId: string; redeliveryId: string }): Promise<void> {
      if (!webhook) throw ApplicationFailure.nonRetryable('no webhook receiver is configured (WEBHOOK_URL)', 'webhook_not_configured');
      const event = await WebhookEventModel.findById(input.eventId).lean();
      if (!event) throw ApplicationFailure.nonRetryable('the event is no longer held (purged)', 'webhook_event_gone');
      await send(
        { eventId: event._id, createdAt: event.createdAt, check: event.check as CheckState, type: event.type as WebhookEventType, sequence: event.sequence ?? undefined, extra: (event.extra as Record<string, unknown> | undefined) ?? undefined },
        input.redeliveryId,
      );
    },
  };
}

/** The event as sent, once (a unique insert; retries and a second worker find it there). */
async function recordEvent(input: WebhookEventInput): Promise<void> {
  try {
    await WebhookEventModel.create({
      _id: input.eventId,
      checkId: input.check.checkId,
      orderId: input.check.orderId,
      type: input.type ?? webhookEventTypes.statusChanged,
      sequence: input.sequence,
      createdAt: input.createdAt,
      check: input.check,
      extra: input.extra,
    });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/**
 * One attempt, appended. The log is an observation: a database that cannot take it costs the
 * line, never a delivery (failing here would send a delivered event again).
 */
async function recordAttempt(attempt: {
  checkId: string;
  eventId: string;
  type: string;
  sequence?: number;
  eventCreatedAt: string;
  redeliveryId?: string;
  attempt: number;
  at: Date;
  outcome: 'delivered' | 'failed';
  statusCode?: number;
  error?: string;
  durationMs: number;
}): Promise<void> {
  try {
    await WebhookAttemptModel.create({ _id: `${attempt.eventId}:${attempt.redeliveryId ?? 'auto'}:${attempt.attempt}`, ...attempt });
  } catch (error) {
    if (isDuplicateKey(error)) return;
    logger.warn({ eventId: attempt.eventId, err: { message: (error as Error).message } }, 'webhook attempt not logged');
  }
}

/** POSTs a signed body once; a failure is a retryable ApplicationFailure (Temporal retries with backoff). */
export async function postSigned(webhook: { url: string; secret: string }, body: string): Promise<void> {
  const t = Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': signature(webhook.secret, t, body), 'user-agent': 'fraud-engine-webhooks/1' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw ApplicationFailure.retryable(`webhook receiver unreachable: ${(error as Error).message}`, 'webhook_unreachable');
  }
  await response.body?.cancel();
  if (response.status >= 300 && response.status < 400) {
    throw ApplicationFailure.retryable(`webhook receiver answered ${response.status}: redirects are not followed`, 'webhook_redirected');
  }
  if (!response.ok) {
    throw ApplicationFailure.retryable(`webhook receiver answered ${response.status}`, 'webhook_rejected');
  }
}

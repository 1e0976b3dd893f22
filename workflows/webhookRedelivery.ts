/**
 * A redelivery of one webhook event, asked for by an operator (POST
 * /v1/checks/:orderId/events/:eventId/redeliver). Its own short workflow, not a message to
 * the check's: sending an event again changes nothing about the check, and the check's
 * workflow may have completed long ago. Retried like the engine's own deliveries (at least
 * once, backoff, up to three days); a receiver that keeps failing leaves the failure in this
 * workflow's history and in the delivery log. Its id, `webhook-redelivery/<eventId>`, keeps
 * one redelivery of an event running at a time.
 */
import * as wf from '@temporalio/workflow';
import type { CheckActivities } from '../activities';

const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['webhook_event_gone', 'webhook_not_configured'] },
});

export async function webhookRedeliveryWorkflow(input: { eventId: string; redeliveryId: string }): Promise<void> {
  await delivery.redeliverWebhook(input);
}

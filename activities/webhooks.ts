/**
 * Webhooks to the order pipeline: one event per transition (and one when an
 * escalated case is overdue), signed like Stripe's
 * (`X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`).
 * Temporal retries a failed delivery with backoff; `id` and `sequence` stay the
 * same. Redirects are never followed: a 3xx is a failed delivery, retried (a
 * receiver that moved must be reconfigured, never a signed body re-sent to
 * wherever a Location header points).
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { webhookEventTypes, type CheckState, type WebhookEventType } from '../domain/check';
import { presentCheck, type PresentOptions } from '../lib/present';

export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function createWebhookActivities(webhook: { url: string; secret: string } | undefined, present: PresentOptions) {
  return {
    /**
     * `sequence`: the check's event counter (1, 2, 3, … over every event this check
     * emits); absent in deliveries scheduled by checks started before it existed.
     */
    async deliverWebhook(input: { eventId: string; createdAt: string; check: CheckState; type?: WebhookEventType; sequence?: number }): Promise<void> {
      if (!webhook) return; // no receiver configured
      const body = JSON.stringify({
        id: input.eventId,
        type: input.type ?? webhookEventTypes.statusChanged,
        ...(input.sequence !== undefined ? { sequence: input.sequence } : {}),
        createdAt: input.createdAt,
        data: presentCheck(input.check, present, true),
      });
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
    },
  };
}

/**
 * Webhooks to the order pipeline: one event per transition, signed like
 * Stripe's (`X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`).
 * Temporal retries a failed delivery with backoff; `id` stays the same.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { CheckState } from '../domain/check';
import { presentCheck, type PresentOptions } from '../lib/present';

export function signature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function createWebhookActivities(webhook: { url: string; secret: string } | undefined, present: PresentOptions) {
  return {
    async deliverWebhook(input: { eventId: string; createdAt: string; check: CheckState }): Promise<void> {
      if (!webhook) return; // no receiver configured
      const body = JSON.stringify({
        id: input.eventId,
        type: 'check.status_changed',
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
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        throw ApplicationFailure.retryable(`webhook receiver unreachable: ${(error as Error).message}`, 'webhook_unreachable');
      }
      await response.body?.cancel();
      if (!response.ok) {
        throw ApplicationFailure.retryable(`webhook receiver answered ${response.status}`, 'webhook_rejected');
      }
    },
  };
}

/**
 * The webhook delivery log and redelivery (order pipeline, service key): parse, call the use
 * case (app/webhookDeliveries.ts), present. Documented in /openapi.json with these schemas.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { requireServiceKey } from '../auth';
import { invalidRequest } from '../errors';
import { redeliverEvent, webhookLog } from '../../app/webhookDeliveries';
import { orderIdParam } from './checks';

export const eventIdParam = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'not an event id');
const orderPath = z.object({ orderId: orderIdParam });
const eventPath = z.object({ orderId: orderIdParam, eventId: eventIdParam });

const attemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string().meta({ format: 'date-time' }),
  outcome: z.enum(['delivered', 'failed']),
  statusCode: z.number().int().nullable().meta({ description: "the receiver's HTTP status; null when it could not be reached" }),
  error: z.string().nullable().meta({ description: 'webhook_unreachable, webhook_rejected or webhook_redirected' }),
  durationMs: z.number().int(),
  redeliveryId: z.string().nullable(),
});
export const webhookLogSchema = z.object({
  orderId: z.string(),
  checkId: z.string(),
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      sequence: z.number().int().nullable(),
      createdAt: z.string().meta({ format: 'date-time' }),
      status: z.enum(['delivered', 'failing', 'pending']),
      redeliverable: z.boolean(),
      attempts: z.array(attemptSchema),
      redeliveries: z.array(z.object({ redeliveryId: z.string(), requestedAt: z.string().meta({ format: 'date-time' }), requestedBy: z.string() })),
    }),
  ),
});
export const redeliverySchema = z.object({
  redeliveryId: z.string(),
  eventId: z.string(),
  requestedAt: z.string().meta({ format: 'date-time' }),
  status: z.literal('scheduled'),
});
export const webhookEventParams = { orderPath, eventPath };

export function webhookEventsRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const auth = requireServiceKey(config.serviceApiKeys);

  router.get('/v1/checks/:orderId/events', auth, async (req, res) => {
    const params = orderPath.safeParse(req.params);
    if (!params.success) throw invalidRequest(params.error, 'path');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await webhookLog(params.data.orderId));
  });

  router.post('/v1/checks/:orderId/events/:eventId/redeliver', auth, async (req, res) => {
    const params = eventPath.safeParse(req.params);
    if (!params.success) throw invalidRequest(params.error, 'path');
    const actor = res.locals.actor as { id?: string } | undefined;
    const redelivery = await redeliverEvent(
      { temporal, webhookConfigured: Boolean(config.webhook) },
      { ...params.data, requestedBy: actor?.id ?? 'service' },
    );
    res.status(202).json(redelivery);
  });
  return router;
}

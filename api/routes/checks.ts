/** The order pipeline's API: submit, read and cancel checks (`/openapi.json`): parse → app/checks.ts → present. */
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { orderSchema } from '../../domain/order';
import type { Config } from '../../config';
import { presentCheck } from '../../lib/present';
import { checksService } from '../../app/checks';
import { parseOr } from '../errors';
import { requireServiceKey } from '../auth';
import { checksDecided } from '../metrics';
import { outcomesOf } from '../../app/outcomes';

export const cancelSchema = z.object({ reason: z.string().trim().min(1).max(500) });
export const orderIdParam = orderSchema.shape.orderId;

export function checksRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const checks = checksService(config, temporal);
  const present = { publicUrl: config.publicUrl, tokenSecret: config.tokenSecret };
  router.use('/v1/checks', requireServiceKey(config.serviceApiKeys));

  router.post('/v1/checks', async (req, res) => {
    const order = parseOr(orderSchema, req.body, 'request body');
    const { created, check } = await checks.submit(order);
    if (created) checksDecided.inc({ status: check.status });
    res.status(created ? 201 : 200).json(presentCheck(check, present));
  });

  router.get('/v1/checks/:orderId', async (req, res) => {
    const orderId = parseOr(orderIdParam, req.params.orderId, 'order id');
    res.json({ ...presentCheck(await checks.get(orderId), present, true), outcomes: await outcomesOf(orderId) });
  });

  router.post('/v1/checks/:orderId/cancel', async (req, res) => {
    const orderId = parseOr(orderIdParam, req.params.orderId, 'order id');
    const { reason } = parseOr(cancelSchema, req.body ?? {}, 'request body');
    res.json(presentCheck(await checks.cancel(orderId, reason, res.locals.actor), present, true));
  });

  return router;
}

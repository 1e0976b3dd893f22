/**
 * Outcomes of orders (API.md, "Outcomes"): parse, call app/outcomes.ts, present.
 * The service key or a `senior`/`admin` token (`outcomes.record`); a `reviewer` gets 403.
 * Mounted before the checks router, whose `/v1/checks` guard takes the service key only.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { newOutcomeSchema, outcomesOf, outcomeTypes, recordOutcome } from '../../app/outcomes';
import { orderSchema } from '../../domain/order';
import type { Actor } from '../../domain/check';
import { requireRiskTeam } from '../riskAuth';
import { invalidRequest } from '../errors';

export { newOutcomeSchema };
export const outcomeViewSchema = z.object({
  outcomeId: z.string(),
  checkId: z.string(),
  orderId: z.string(),
  type: z.enum(outcomeTypes),
  reason: z.string().nullable(),
  occurredAt: z.string(),
  createdAt: z.string(),
  createdBy: z.object({ type: z.string(), id: z.string().optional(), role: z.string().optional() }),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

export function outcomesRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const guard = requireRiskTeam(config, 'outcomes.record');
  const deps = { temporal, pseudonymSecret: config.pseudonymSecret };

  router.post('/v1/checks/:orderId/outcomes', guard, async (req, res) => {
    const orderId = parse(orderSchema.shape.orderId, req.params.orderId, 'order id');
    const body = parse(newOutcomeSchema, req.body ?? {}, 'request body');
    const { outcome, created } = await recordOutcome(deps, orderId, body, res.locals.actor as Actor);
    res.status(created ? 201 : 200).json(outcome);
  });

  router.get('/v1/checks/:orderId/outcomes', guard, async (req, res) => {
    const orderId = parse(orderSchema.shape.orderId, req.params.orderId, 'order id');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ items: await outcomesOf(orderId) });
  });

  return router;
}

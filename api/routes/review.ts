/**
 * The reviewers' API (`/openapi.json`, README "Who may do what"): parse → app/review.ts → present.
 * Who may do what is domain/roles.ts; `GET /v1/review/me` gives the console the
 * caller's permissions and each case carries its `allowedActions`.
 */
import path from 'node:path';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { reviewActions } from '../../domain/check';
import { documentKinds } from '../../domain/order';
import { listTypes } from '../../domain/lists';
import { can, permissionNames, roles } from '../../domain/roles';
import { reviewService, type Reviewer } from '../../app/review';
import { queueQuerySchema } from '../../app/reviewQueue';
import { requireReviewer } from '../reviewerAuth';
import { parseOr } from '../errors';
import { webRoot } from './verification';

export const decisionSchema = z.object({
  action: z.enum(reviewActions),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
  requested: z.array(z.enum(documentKinds)).min(1).max(3).optional(),
  /** With `reject`: put the order's values of these types on the block list (API.md, "Lists"). */
  block: z.array(z.enum(listTypes)).min(1).max(listTypes.length).optional(),
});
const checkIdSchema = z.string().regex(/^chk_[A-Za-z0-9_-]{1,40}$/, 'not a check id');
const variantSchema = z.enum(['preview', 'thumbnail', 'original']).default('preview');
/** GET /v1/review/me: who the token is and every permission its role holds (domain/roles.ts decides). */
export const reviewerSelfSchema = z.object({
  id: z.string(),
  role: z.enum(roles),
  permissions: z.array(z.enum(permissionNames)),
});

const extensions: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'application/pdf': '.pdf' };

export function reviewRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const review = reviewService(config, temporal);
  router.use('/v1/review', requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer'));
  const me = (res: Response) => res.locals.reviewer as Reviewer;
  const checkIdOf = (value: unknown) => parseOr(checkIdSchema, value, 'check id');

  // The console asks this instead of knowing the role rules itself.
  router.get('/v1/review/me', (_req, res) => {
    const { id, role } = me(res);
    const self: z.infer<typeof reviewerSelfSchema> = { id, role, permissions: permissionNames.filter((p) => can(role, p)) };
    res.setHeader('Cache-Control', 'no-store');
    res.json(self);
  });

  router.get('/v1/review/cases', async (req, res) => {
    const query = parseOr(queueQuerySchema, req.query, 'query');
    res.json(await review.queue(query, me(res)));
  });

  router.get('/v1/review/cases/:checkId', async (req, res) => {
    const view = await review.openCase(checkIdOf(req.params.checkId), me(res));
    res.setHeader('Cache-Control', 'no-store');
    res.json(view);
  });

  router.post('/v1/review/cases/:checkId/claim', async (req, res) => {
    res.json(await review.claim(checkIdOf(req.params.checkId), me(res)));
  });

  router.post('/v1/review/cases/:checkId/decision', async (req, res) => {
    const checkId = checkIdOf(req.params.checkId);
    const decision = parseOr(decisionSchema, req.body ?? {}, 'request body');
    res.json(await review.decide(checkId, me(res), decision));
  });

  router.get('/v1/review/cases/:checkId/documents/:documentId/content', async (req, res) => {
    const checkId = checkIdOf(req.params.checkId);
    const variant = parseOr(variantSchema, req.query.variant, 'variant');
    const documentId = String(req.params.documentId);
    const { bytes, contentType } = await review.openDocument(checkId, documentId, variant, me(res));
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    res.setHeader('Content-Disposition', `inline; filename="${documentId}-${variant}${extensions[contentType] ?? ''}"`);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.end(bytes);
  });

  router.get('/v1/review/cases/:checkId/audit', async (req, res) => {
    const trail = await review.auditTrail(checkIdOf(req.params.checkId), me(res));
    res.setHeader('Cache-Control', 'no-store');
    res.json(trail);
  });

  router.get('/review', (_req, res) => {
    res.sendFile(path.join(webRoot, 'review', 'index.html'));
  });

  return router;
}

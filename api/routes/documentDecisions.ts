/** A reviewer's decision on one document (reject it, ask for it again): the logic is app/documentDecisions.ts. */
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { documentDecisionSchema, rejectDocument } from '../../app/documentDecisions';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { checkIdSchema, parse } from './reports';

export const documentIdSchema = z.string().regex(/^doc_[A-Za-z0-9_-]{16,64}$/, 'not a document id');

export function documentDecisionsRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const auth = requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer');

  router.post('/v1/review/cases/:checkId/documents/:documentId/decision', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const documentId = parse(documentIdSchema, req.params.documentId, 'document id');
    const body = parse(documentDecisionSchema, req.body ?? {}, 'request body');
    res.json(await rejectDocument(temporal, checkId, documentId, body.reason, res.locals.reviewer as Reviewer));
  });

  return router;
}

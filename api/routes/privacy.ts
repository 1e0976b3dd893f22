/** Data-subject requests (API.md, "Privacy"; admins): the logic is app/privacy.ts. */
import { Router } from 'express';
import type { Config } from '../../config';
import { createPrivacy, erasureRequestSchema, exportRequestSchema, subjectQuerySchema } from '../../app/privacy';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { parse } from './reports';

export function privacyRouter(config: Config): Router {
  const router = Router();
  const privacy = createPrivacy(config);
  router.use('/v1/privacy', requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer'));
  const me = (res: { locals: Record<string, unknown> }) => res.locals.reviewer as Reviewer;
  const noStore = (res: { setHeader(name: string, value: string): unknown }) => res.setHeader('Cache-Control', 'no-store');

  router.get('/v1/privacy/subjects', async (req, res) => {
    const query = parse(subjectQuerySchema, req.query, 'query');
    noStore(res);
    res.json(await privacy.lookup(query, me(res)));
  });

  router.post('/v1/privacy/exports', async (req, res) => {
    const body = parse(exportRequestSchema, req.body ?? {}, 'request body');
    noStore(res);
    res.json(await privacy.exportSubject(body, me(res)));
  });

  router.post('/v1/privacy/erasures', async (req, res) => {
    const body = parse(erasureRequestSchema, req.body ?? {}, 'request body');
    noStore(res);
    res.status(202).json(await privacy.erase(body, me(res)));
  });

  return router;
}

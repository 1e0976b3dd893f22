/** Linked cases, notes and search for reviewers: the logic is app/caseTools.ts. */
import { Router } from 'express';
import type { Config } from '../../config';
import { addNote, linkedCases, listNotes, noteRequestSchema, searchCases, searchQuerySchema } from '../../app/caseTools';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { checkIdSchema, parse } from './reports';

export function caseToolsRouter(config: Config): Router {
  const router = Router();
  const auth = requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer');
  const me = (res: { locals: Record<string, unknown> }) => res.locals.reviewer as Reviewer;

  router.get('/v1/review/search', auth, async (req, res) => {
    const query = parse(searchQuerySchema, req.query, 'query');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await searchCases(config.pseudonymSecret, query, me(res)));
  });

  router.get('/v1/review/cases/:checkId/links', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await linkedCases(checkId, me(res)));
  });

  router.get('/v1/review/cases/:checkId/notes', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listNotes(checkId, me(res)));
  });

  router.post('/v1/review/cases/:checkId/notes', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const body = parse(noteRequestSchema, req.body ?? {}, 'request body');
    res.status(201).json(await addNote(checkId, body.text, me(res)));
  });

  return router;
}

/** Case files for payment processors, banks and authorities (API.md, "Cases"); the logic is app/reports.ts. */
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { createReport, listReports, openReportFile, reportDeps, reportRequestSchema } from '../../app/reports';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { invalidRequest } from '../errors';

export const checkIdSchema = z.string().regex(/^chk_[A-Za-z0-9_-]{1,40}$/, 'not a check id');
export const reportIdSchema = z.string().regex(/^rpt_[A-Za-z0-9_-]{1,40}$/, 'not a report id');

export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

export function reportsRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const deps = reportDeps(config, temporal);
  const auth = requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer');
  const me = (res: { locals: Record<string, unknown> }) => res.locals.reviewer as Reviewer;

  router.post('/v1/review/cases/:checkId/reports', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const body = parse(reportRequestSchema, req.body ?? {}, 'request body');
    res.status(201).json(await createReport(deps, checkId, body, me(res)));
  });

  router.get('/v1/review/cases/:checkId/reports', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listReports(checkId, me(res), config.publicUrl));
  });

  router.get('/v1/review/cases/:checkId/reports/:reportId/file', auth, async (req, res) => {
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const reportId = parse(reportIdSchema, req.params.reportId, 'report id');
    const file = await openReportFile(deps, checkId, reportId, me(res));
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    await pipeline(file.stream, res);
  });

  return router;
}

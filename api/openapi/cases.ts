/**
 * Case files, linked cases, notes, search, per-document decisions and data-subject requests
 * in `/openapi.json` (API.md, "Cases", "Privacy"): reviewer tokens, each use case checks the role.
 */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { reportRequestSchema, reportViewSchema } from '../../app/reports';
import { erasureAnswerSchema, erasureRequestSchema, exportRequestSchema, subjectCheckSchema, subjectQuerySchema } from '../../app/privacy';
import { noteRequestSchema, searchQuerySchema } from '../../app/caseTools';
import { documentDecisionSchema } from '../../app/documentDecisions';
import { checkIdSchema, reportIdSchema } from '../routes/reports';
import { documentIdSchema } from '../routes/documentDecisions';
import { documentDecisionAnswerSchema, linkedCasesSchema, noteSchema, searchResultSchema, subjectExportSchema } from '../responseSchemas';
import { errors, json, ok, operation, reviewer } from './common';

const checkPath = z.object({ checkId: checkIdSchema });

export function casePaths(): ZodOpenApiPathsObject {
  return {
    '/v1/review/cases/{checkId}/reports': {
      post: operation({
        operationId: 'createReport',
        tags: ['cases'],
        summary: 'Make a case file for a payment processor, bank or authority (senior; originals: admin); audited; announced as a check.report_created webhook',
        security: reviewer,
        requestParams: { path: checkPath },
        requestBody: { required: true, content: json(reportRequestSchema) },
        responses: { ...ok('the report', reportViewSchema, '201'), ...errors(400, 401, 403, 404, 410, 503) },
      }),
      get: operation({
        operationId: 'listReports',
        tags: ['cases'],
        summary: "The case's reports, newest first (senior)",
        security: reviewer,
        requestParams: { path: checkPath },
        responses: { ...ok('the reports', z.object({ items: z.array(reportViewSchema) })), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/review/cases/{checkId}/reports/{reportId}/file': {
      get: operation({
        operationId: 'getReportFile',
        tags: ['cases'],
        summary: 'The case file: manifest.json (path, size, SHA-256 of each file), case.json, audit.json, documents/…; audited; 410 after the retention purge',
        security: reviewer,
        requestParams: { path: z.object({ checkId: checkIdSchema, reportId: reportIdSchema }) },
        responses: {
          '200': { description: 'the ZIP (Content-Disposition: attachment)', content: { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } } },
          ...errors(400, 401, 403, 404, 410),
        },
      }),
    },
    '/v1/review/cases/{checkId}/documents/{documentId}/decision': {
      post: operation({
        operationId: 'decideDocument',
        tags: ['cases'],
        summary: 'Reject one accepted document with a reason the customer sees, and ask for just that one again (a new round for its kind; the case needs the claim)',
        security: reviewer,
        requestParams: { path: z.object({ checkId: checkIdSchema, documentId: documentIdSchema }) },
        requestBody: { required: true, content: json(documentDecisionSchema) },
        responses: { ...ok('the check after the decision', documentDecisionAnswerSchema), ...errors(400, 401, 403, 404, 409, 503) },
      }),
    },
    '/v1/review/cases/{checkId}/links': {
      get: operation({
        operationId: 'listLinkedCases',
        tags: ['cases'],
        summary: 'Other checks sharing the card, e-mail, device, IP, shipping address, customer id or a document, with status and outcomes',
        security: reviewer,
        requestParams: { path: checkPath },
        responses: { ...ok('the linked cases', linkedCasesSchema), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/review/cases/{checkId}/notes': {
      get: operation({
        operationId: 'listNotes',
        tags: ['cases'],
        summary: "The case's internal notes, oldest first",
        security: reviewer,
        requestParams: { path: checkPath },
        responses: { ...ok('the notes', z.object({ items: z.array(noteSchema) })), ...errors(400, 401, 403, 404) },
      }),
      post: operation({
        operationId: 'addNote',
        tags: ['cases'],
        summary: 'Add an internal note (append-only, audited, never shown to the customer)',
        security: reviewer,
        requestParams: { path: checkPath },
        requestBody: { required: true, content: json(noteRequestSchema) },
        responses: { ...ok('the note', noteSchema, '201'), ...errors(400, 401, 403, 404, 409) },
      }),
    },
    '/v1/review/search': {
      get: operation({
        operationId: 'searchCases',
        tags: ['cases'],
        summary: 'Cases by order id, check id, e-mail (any case) or card BIN + last 4 (exactly one)',
        security: reviewer,
        requestParams: { query: searchQuerySchema },
        responses: { ...ok('the matching cases', searchResultSchema), ...errors(400, 401, 403) },
      }),
    },
    '/v1/privacy/subjects': {
      get: operation({
        operationId: 'findSubject',
        tags: ['privacy'],
        summary: "A person's checks, by e-mail (case-insensitive) or customer id (admin; audited)",
        security: reviewer,
        requestParams: { query: subjectQuerySchema },
        responses: { ...ok('the request and the checks found', z.object({ requestId: z.string(), checks: z.array(subjectCheckSchema) })), ...errors(400, 401, 403) },
      }),
    },
    '/v1/privacy/exports': {
      post: operation({
        operationId: 'exportSubject',
        tags: ['privacy'],
        summary: 'Everything held about a person, as JSON (admin; audited)',
        security: reviewer,
        requestBody: { required: true, content: json(exportRequestSchema) },
        responses: { ...ok('the export', subjectExportSchema), ...errors(400, 401, 403) },
      }),
    },
    '/v1/privacy/erasures': {
      post: operation({
        operationId: 'eraseSubject',
        tags: ['privacy'],
        summary: "Erase a person's data: final checks purged as retention purges them; open and reported ones held (admin; audited)",
        security: reviewer,
        requestBody: { required: true, content: json(erasureRequestSchema) },
        responses: { ...ok('what was erased and what is held, and why', erasureAnswerSchema, '202'), ...errors(400, 401, 403) },
      }),
    },
  };
}

/** `/openapi.json`, generated from the same zod schemas that validate requests. */
import { z } from 'zod';
import { orderSchema, documentKinds } from '../domain/order';
import { statuses } from '../domain/check';
import { cancelSchema } from './routes/checks';
import { decisionSchema, reviewerSelfSchema } from './routes/review';
import { queueQuerySchema } from '../app/reviewQueue';
import { entryIdSchema, listEntrySchema, listQuerySchema, newEntrySchema } from './routes/lists';
import { newOutcomeSchema, outcomeViewSchema } from './routes/outcomes';
import { listNames } from '../domain/lists';
import { rulesetPaths } from './openapiRulesets';
import { reportRequestSchema, reportViewSchema } from '../app/reports';
import { erasureAnswerSchema, erasureRequestSchema, exportRequestSchema, subjectCheckSchema, subjectQuerySchema } from '../app/privacy';
import { noteRequestSchema, searchQuerySchema } from '../app/caseTools';
import { documentDecisionSchema } from '../app/documentDecisions';

const reason = z.object({ code: z.string(), points: z.number().int(), detail: z.string() });
export const checkViewSchema = z.object({
  checkId: z.string(),
  orderId: z.string(),
  status: z.enum(statuses),
  fulfilment: z.enum(['release', 'hold', 'cancel']),
  risk: z.object({
    score: z.number().int().min(0).max(100),
    band: z.enum(['low', 'medium', 'high', 'critical']),
    rulesetVersion: z.string(),
    reasons: z.array(reason),
  }),
  verification: z
    .object({ requested: z.array(z.enum(documentKinds)), token: z.string(), uploadUrl: z.string(), expiresAt: z.string() })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  timeline: z
    .array(z.object({ at: z.string(), event: z.string(), from: z.string().nullable(), to: z.string(), actor: z.object({ type: z.string(), id: z.string().optional() }), reason: z.string() }))
    .optional(),
  outcomes: z.array(outcomeViewSchema).optional(),
});
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: 'error', content: json(errorSchema) }]));

export function openApiDocument(extraPaths: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Fraud-check engine', version: '1' },
    components: {
      securitySchemes: {
        serviceKey: { type: 'http', scheme: 'bearer', description: 'a key of SERVICE_API_KEYS' },
        reviewerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    paths: {
      '/v1/checks': {
        post: {
          summary: 'Start (or return) the check of an order; idempotent on orderId',
          security: [{ serviceKey: [] }],
          requestBody: { required: true, content: json(orderSchema) },
          responses: {
            '201': { description: 'new check', content: json(checkViewSchema) },
            '200': { description: 'existing check', content: json(checkViewSchema) },
            ...errors(400, 401, 409, 503),
          },
        },
      },
      '/v1/checks/{orderId}': {
        get: {
          summary: 'The current check of an order, with its timeline',
          security: [{ serviceKey: [] }],
          parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the check', content: json(checkViewSchema) }, ...errors(400, 401, 404) },
        },
      },
      '/v1/checks/{orderId}/cancel': {
        post: {
          summary: 'Cancel the check (the order was cancelled upstream)',
          security: [{ serviceKey: [] }],
          parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: json(cancelSchema) },
          responses: { '200': { description: 'the cancelled check', content: json(checkViewSchema) }, ...errors(400, 401, 404, 409, 503) },
        },
      },
      '/v1/verification/{token}': {
        get: {
          summary: 'What is requested of the customer, what was received, and by when (the token is the credential)',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the verification' }, ...errors(404) },
        },
      },
      '/v1/verification/{token}/documents': {
        post: {
          summary: 'Upload one document (JPEG, PNG, WebP or PDF); checked by its bytes, encrypted, then processed',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['kind', 'file'],
                  properties: { kind: { type: 'string', enum: [...documentKinds] }, file: { type: 'string', format: 'binary' } },
                },
              },
            },
          },
          responses: { '202': { description: 'accepted for processing (the same file sent again returns the same document)' }, ...errors(400, 404, 409, 413, 415, 429, 503) },
        },
      },
      '/v1/review/me': {
        get: {
          summary: "The caller: reviewer id, role, and every permission the role holds (the console's source of who may do what)",
          security: [{ reviewerJwt: [] }],
          responses: { '200': { description: 'the reviewer', content: json(reviewerSelfSchema) }, ...errors(401) },
        },
      },
      '/v1/review/cases': {
        get: {
          summary: 'The review queue, most urgent first',
          security: [{ reviewerJwt: [] }],
          parameters: Object.keys(queueQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{ items, nextCursor, counts }' }, ...errors(400, 401, 503) },
        },
      },
      '/v1/review/cases/{checkId}': {
        get: { summary: 'The whole case', security: [{ reviewerJwt: [] }], responses: { '200': { description: 'the case' }, ...errors(401, 404, 503) } },
      },
      '/v1/review/cases/{checkId}/claim': {
        post: { summary: 'Claim the case for a lease', security: [{ reviewerJwt: [] }], responses: { '200': { description: '{ assignee, leaseExpiresAt }' }, ...errors(401, 403, 404, 409, 503) } },
      },
      '/v1/review/cases/{checkId}/decision': {
        post: {
          summary: 'Decide a claimed case',
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(decisionSchema) },
          responses: { '200': { description: 'the case after the decision' }, ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      '/v1/review/cases/{checkId}/documents/{documentId}/content': {
        get: {
          summary: 'The document bytes (preview and thumbnail are metadata-free re-encodings); audited',
          security: [{ reviewerJwt: [] }],
          parameters: [{ name: 'variant', in: 'query', schema: { type: 'string', enum: ['preview', 'thumbnail', 'original'] } }],
          responses: { '200': { description: 'bytes' }, ...errors(401, 403, 404, 503) },
        },
      },
      '/v1/review/cases/{checkId}/audit': {
        get: { summary: 'The hash-chained audit trail and its verification', security: [{ reviewerJwt: [] }], responses: { '200': { description: '{ entries, verification }' }, ...errors(401, 404, 503) } },
      },
      ...rulesetPaths(json, errors),
      '/v1/review/cases/{checkId}/reports': {
        post: {
          summary: 'Make a case file for a payment processor, bank or authority (senior; originals: admin); audited; announced as a check.report_created webhook',
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(reportRequestSchema) },
          responses: { '201': { description: 'the report', content: json(reportViewSchema) }, ...errors(400, 401, 403, 404, 410, 503) },
        },
        get: {
          summary: "The case's reports, newest first (senior)",
          security: [{ reviewerJwt: [] }],
          responses: { '200': { description: '{ items: [report] }', content: json(z.object({ items: z.array(reportViewSchema) })) }, ...errors(401, 403, 404) },
        },
      },
      '/v1/review/cases/{checkId}/reports/{reportId}/file': {
        get: {
          summary: 'The case file (application/zip): manifest.json (path, size, SHA-256 of each file), case.json, audit.json, documents/…; audited; 410 after the retention purge',
          security: [{ reviewerJwt: [] }],
          responses: { '200': { description: 'application/zip' }, ...errors(401, 403, 404, 410) },
        },
      },
      '/v1/review/cases/{checkId}/documents/{documentId}/decision': {
        post: {
          summary: 'Reject one accepted document with a reason the customer sees, and ask for just that one again (a new round for its kind; the case needs the claim)',
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(documentDecisionSchema) },
          responses: { '200': { description: '{ checkId, documentId, status, round }' }, ...errors(400, 401, 403, 404, 409, 503) },
        },
      },
      '/v1/review/cases/{checkId}/links': {
        get: {
          summary: 'Other checks sharing the card, e-mail, device, IP, shipping address, customer id or a document, with status and outcomes',
          security: [{ reviewerJwt: [] }],
          responses: { '200': { description: '{ items: [{ checkId, orderId, status, shared, … }], capped }' }, ...errors(401, 404) },
        },
      },
      '/v1/review/cases/{checkId}/notes': {
        get: { summary: "The case's internal notes, oldest first", security: [{ reviewerJwt: [] }], responses: { '200': { description: '{ items }' }, ...errors(401, 404) } },
        post: {
          summary: 'Add an internal note (append-only, audited, never shown to the customer)',
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(noteRequestSchema) },
          responses: { '201': { description: 'the note' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/v1/review/search': {
        get: {
          summary: 'Cases by order id, check id, e-mail (any case) or card BIN + last 4',
          security: [{ reviewerJwt: [] }],
          parameters: Object.keys(searchQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{ items, capped }' }, ...errors(400, 401) },
        },
      },
      '/v1/privacy/subjects': {
        get: {
          summary: "A person's checks, by e-mail (case-insensitive) or customer id (admin; audited)",
          security: [{ reviewerJwt: [] }],
          parameters: Object.keys(subjectQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: '{ requestId, checks }', content: json(z.object({ requestId: z.string(), checks: z.array(subjectCheckSchema) })) }, ...errors(400, 401, 403) },
        },
      },
      '/v1/privacy/exports': {
        post: {
          summary: 'Everything held about a person, as JSON (admin; audited)',
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(exportRequestSchema) },
          responses: { '200': { description: '{ requestId, generatedAt, subject, checks }' }, ...errors(400, 401, 403) },
        },
      },
      '/v1/privacy/erasures': {
        post: {
          summary: "Erase a person's data: final checks purged as retention purges them; open and reported ones held (admin; audited)",
          security: [{ reviewerJwt: [] }],
          requestBody: { required: true, content: json(erasureRequestSchema) },
          responses: { '202': { description: 'what was erased and what is held, and why', content: json(erasureAnswerSchema) }, ...errors(400, 401, 403) },
        },
      },
      '/healthz': { get: { summary: 'process alive', responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Temporal and database reachable', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition' } } } },
      ...riskTeamPaths(),
      ...extraPaths,
    },
  };
}

/** Lists and outcomes (API.md, "Risk team"): the service key, or a reviewer token of a role that holds the permission. */
function riskTeamPaths(): Record<string, unknown> {
  const security = [{ serviceKey: [] }, { reviewerJwt: [] }];
  const list = { name: 'list', in: 'path', required: true, schema: { type: 'string', enum: [...listNames] } };
  const orderId = { name: 'orderId', in: 'path', required: true, schema: { type: 'string' } };
  const page = z.object({ items: z.array(listEntrySchema), nextCursor: z.string().nullable() });
  return {
    '/v1/lists/{list}/entries': {
      post: {
        summary: 'Add a value to the block or allow list (stored as a pseudonym; the same value again answers 200 with the entry)',
        security,
        parameters: [list],
        requestBody: { required: true, content: json(newEntrySchema) },
        responses: {
          '201': { description: 'added', content: json(listEntrySchema) },
          '200': { description: 'already on the list', content: json(listEntrySchema) },
          ...errors(400, 401, 403, 404, 503),
        },
      },
      get: {
        summary: 'The entries of a list, newest first (hints, never values)',
        security,
        parameters: [list, ...Object.keys(listQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }))],
        responses: { '200': { description: 'a page', content: json(page) }, ...errors(400, 401, 403, 404) },
      },
    },
    '/v1/lists/{list}/entries/{id}': {
      delete: {
        summary: 'Remove an entry (audited)',
        security,
        parameters: [list, { name: 'id', in: 'path', required: true, schema: z.toJSONSchema(entryIdSchema) }],
        responses: { '204': { description: 'removed' }, ...errors(400, 401, 403, 404) },
      },
    },
    '/v1/checks/{orderId}/outcomes': {
      post: {
        summary: "Record an order's outcome (append-only; the same outcome again answers 200); chargebacks and confirmed fraud raise later orders sharing an identifier",
        security,
        parameters: [orderId],
        requestBody: { required: true, content: json(newOutcomeSchema) },
        responses: {
          '201': { description: 'recorded', content: json(outcomeViewSchema) },
          '200': { description: 'recorded before', content: json(outcomeViewSchema) },
          ...errors(400, 401, 403, 404, 503),
        },
      },
      get: {
        summary: "The order's outcomes, oldest first",
        security,
        parameters: [orderId],
        responses: { '200': { description: '{ items }', content: json(z.object({ items: z.array(outcomeViewSchema) })) }, ...errors(400, 401, 403) },
      },
    },
  };
}

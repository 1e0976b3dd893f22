/** `/openapi.json`, generated from the same zod schemas that validate requests. */
import { z } from 'zod';
import { orderSchema, documentKinds } from '../domain/order';
import { statuses } from '../domain/check';
import { cancelSchema } from './routes/checks';
import { decisionSchema, reviewerSelfSchema } from './routes/review';
import { queueQuerySchema } from './queue';
import { codecRequestSchema } from './routes/codec';

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
});
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), requestId: z.string().optional().describe('the X-Request-Id of the request: quote it to an operator (it is on every log line of the request)') }),
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
      '/codec/decode': {
        post: {
          summary:
            "Temporal's remote codec for the Temporal UI and CLI: decrypts payloads (admins only, `payloads.decode`; from TEMPORAL_UI_URL's origins in a browser; logged)",
          security: [{ reviewerJwt: [] }],
          parameters: [{ name: 'X-Namespace', in: 'header', schema: { type: 'string' } }],
          requestBody: { required: true, content: json(codecRequestSchema) },
          responses: { '200': { description: 'the payloads, decrypted', content: json(codecRequestSchema) }, ...errors(400, 401, 403, 413, 415, 503) },
        },
      },
      '/healthz': { get: { summary: 'process alive', responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Temporal and database reachable', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
      ...extraPaths,
    },
  };
}

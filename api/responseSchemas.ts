/**
 * What the API answers, as zod schemas: they document every response in /openapi.json
 * (api/openapi.ts). Request schemas live next to their routes (they validate); these only
 * describe. Objects that may grow are loose (additional properties allowed), so the
 * document stays true as fields are added.
 */
import { z } from 'zod';
import { documentKinds } from '../domain/order';
import { statuses } from '../domain/check';
import { outcomeViewSchema } from './routes/outcomes';
import { comparisonReportSchema, ruleStatsSchema, rulesetSchema, rulesetStatuses } from '../scoring';

const isoTime = z.string().meta({ format: 'date-time', description: 'ISO-8601, UTC' });
const band = z.enum(['low', 'medium', 'high', 'critical']);
const reason = z.object({ code: z.string(), points: z.number().int(), detail: z.string() });
const risk = z.object({ score: z.number().int().min(0).max(100), band, rulesetVersion: z.string(), reasons: z.array(reason) });
const actor = z.looseObject({ type: z.string(), id: z.string().optional(), role: z.string().optional() });
const timelineEntry = z.looseObject({ at: isoTime, event: z.string(), from: z.string().nullable(), to: z.string(), actor, reason: z.string() });

export const checkViewSchema = z
  .object({
    checkId: z.string(),
    orderId: z.string(),
    status: z.enum(statuses),
    fulfilment: z.enum(['release', 'hold', 'cancel']),
    risk,
    verification: z
      .object({ requested: z.array(z.enum(documentKinds)), token: z.string(), uploadUrl: z.string(), expiresAt: isoTime })
      .nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
    timeline: z.array(timelineEntry).optional().meta({ description: 'on GET and cancel' }),
    outcomes: z.array(outcomeViewSchema).optional().meta({ description: 'on GET: chargebacks, confirmed fraud, … recorded for the order' }),
  })
  .meta({ id: 'Check' });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'snake_case, machine-readable' }),
      message: z.string().meta({ description: 'for people' }),
      details: z.unknown().optional(),
      requestId: z.string().optional().meta({ description: 'the X-Request-Id of the request: quote it to an operator (it is on every log line of the request)' }),
    }),
  })
  .meta({ id: 'Error' });

export const verificationViewSchema = z.object({
  status: z.enum(statuses),
  requested: z.array(z.enum(documentKinds)),
  expiresAt: isoTime.nullable(),
  round: z.number().int(),
  rejected: z.array(z.object({ kind: z.enum(documentKinds), reason: z.string() })).meta({ description: "documents a reviewer turned down in this round, with the reason the customer sees" }),
  documents: z.array(
    z.object({ documentId: z.string(), kind: z.enum(documentKinds), status: z.string(), reason: z.string().nullable().optional(), uploadedAt: isoTime }),
  ),
});

export const uploadAcceptedSchema = z.object({ documentId: z.string(), kind: z.enum(documentKinds), status: z.literal('processing') });

const queueItem = z.looseObject({
  checkId: z.string(),
  orderId: z.string(),
  status: z.enum(statuses),
  band,
  score: z.number().int(),
  amount: z.number().int().nullable(),
  currency: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  slaDueAt: isoTime.nullable(),
  escalationDueAt: isoTime.nullable(),
  escalationOverdueAt: isoTime.nullable(),
  assignee: z.string().nullable(),
  leaseExpiresAt: isoTime.nullable(),
  documentCount: z.number().int(),
  flags: z.array(z.string()),
});
export const queuePageSchema = z.object({
  items: z.array(queueItem),
  nextCursor: z.string().nullable(),
  counts: z.record(z.string(), z.number().int()).meta({ description: 'open cases per status' }),
});

const caseDocument = z.looseObject({
  documentId: z.string(),
  kind: z.enum(documentKinds),
  round: z.number().int(),
  status: z.string(),
  reason: z.string().nullable().optional(),
  uploadedAt: isoTime,
  contentType: z.string().nullable(),
  size: z.number().int().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  pages: z.number().int().nullable(),
  quality: z.looseObject({}).nullable(),
  flags: z.array(z.string()).optional(),
  duplicates: z.array(z.looseObject({})).optional(),
  variants: z.array(z.enum(['thumbnail', 'preview', 'original'])),
});
export const caseViewSchema = z
  .looseObject({
    checkId: z.string(),
    orderId: z.string(),
    status: z.enum(statuses),
    fulfilment: z.enum(['release', 'hold', 'cancel']),
    risk,
    order: z.looseObject({}).nullable().meta({ description: 'the order as submitted (redacted after the retention purge)' }),
    verification: z.object({ requested: z.array(z.enum(documentKinds)), round: z.number().int(), expiresAt: isoTime }).nullable(),
    documents: z.array(caseDocument),
    timeline: z.array(timelineEntry),
    claim: z.object({ assignee: z.string(), leaseExpiresAt: isoTime }).nullable(),
    slaDueAt: isoTime.nullable(),
    escalationDueAt: isoTime.nullable(),
    escalationOverdueAt: isoTime.nullable(),
    allowedActions: z.array(z.string()),
    purged: z.boolean(),
    outcomes: z.array(outcomeViewSchema),
  })
  .meta({ id: 'Case' });

export const claimSchema = z.object({ assignee: z.string(), leaseExpiresAt: isoTime });

export const auditTrailSchema = z.object({
  entries: z.array(z.looseObject({ seq: z.number().int(), at: isoTime, actor, action: z.string(), detail: z.looseObject({}) })),
  verification: z.union([
    z.object({ valid: z.literal(true), length: z.number().int() }),
    z.object({ valid: z.literal(false), brokenAt: z.number().int(), reason: z.string() }),
  ]),
});

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({ status: z.enum(['ready', 'not_ready']), temporal: z.boolean(), database: z.boolean() });

// ---- rulesets (API.md, "Rulesets") -------------------------------------------

export const storedRulesetSchema = rulesetSchema
  .extend({ status: z.enum(rulesetStatuses), createdBy: z.string(), createdAt: isoTime, publishedAt: isoTime.optional() })
  .meta({ id: 'Ruleset' });
const period = z.object({ from: isoTime, to: isoTime });
export const backtestReportSchema = comparisonReportSchema.extend({
  version: z.string(),
  period,
  truncated: z.boolean().meta({ description: 'more checks than a report reads (200 000): the first ones only' }),
});
export const shadowReportSchema = comparisonReportSchema.extend({ version: z.string(), shadowing: z.boolean(), truncated: z.boolean() });
export const rulesetStatsSchema = ruleStatsSchema.extend({ version: z.string(), basis: z.enum(['decided', 'rescored']), period, truncated: z.boolean() });
export const rulesetFieldsSchema = z.object({ fields: z.array(z.looseObject({ path: z.string(), type: z.enum(['number', 'string', 'boolean']) })) });
export const shadowStartedSchema = z.object({ version: z.string(), shadowing: z.literal(true) });
export const publishedSchema = z.object({ version: z.string(), status: z.literal('live'), publishedAt: isoTime, publishedBy: z.string(), sequence: z.number().int() });

// ---- case tools, per-document decisions (API.md, "Cases") --------------------

const caseSummary = z.looseObject({
  checkId: z.string(),
  orderId: z.string(),
  status: z.enum(statuses),
  fulfilment: z.enum(['release', 'hold', 'cancel']),
  score: z.number().int(),
  band,
  amount: z.number().int().nullable(),
  currency: z.string().nullable(),
  createdAt: isoTime,
  purged: z.boolean(),
  outcomes: z.array(z.looseObject({})).meta({ description: 'chargebacks, confirmed fraud, … recorded for the order' }),
});
const capped = z.boolean().meta({ description: 'more matched than are answered (50)' });
export const linkedCasesSchema = z.object({
  items: z.array(caseSummary.extend({ shared: z.array(z.string()).meta({ description: 'what it shares with this case: card, email, device, ip, shippingAddress, customer, document' }) })),
  capped,
});
export const searchResultSchema = z.object({ items: z.array(caseSummary), capped });
export const noteSchema = z.object({
  noteId: z.string(),
  checkId: z.string(),
  author: z.object({ id: z.string(), role: z.string() }),
  text: z.string().nullable().meta({ description: 'null once the retention purge destroyed it' }),
  createdAt: isoTime,
});
export const documentDecisionAnswerSchema = z.object({
  checkId: z.string(),
  documentId: z.string(),
  status: z.enum(statuses),
  round: z.number().int().nullable(),
});

// ---- data-subject requests (API.md, "Privacy") -------------------------------

export const subjectExportSchema = z.object({
  requestId: z.string(),
  generatedAt: isoTime,
  subject: z.union([z.object({ email: z.string() }), z.object({ customerId: z.string() })]),
  checks: z.array(
    z.looseObject({
      checkId: z.string(),
      orderId: z.string(),
      status: z.enum(statuses),
      fulfilment: z.enum(['release', 'hold', 'cancel']),
      createdAt: isoTime,
      updatedAt: isoTime,
      purged: z.boolean(),
      order: z.looseObject({}).nullable(),
      risk,
      timeline: z.array(timelineEntry),
      outcomes: z.array(z.looseObject({})),
      documents: z.array(
        z.looseObject({
          documentId: z.string(),
          kind: z.enum(documentKinds),
          round: z.number().int(),
          status: z.string(),
          reason: z.string().nullable().optional(),
          uploadedAt: isoTime,
          contentType: z.string().nullable(),
          size: z.number().int().nullable(),
          width: z.number().int().nullable(),
          height: z.number().int().nullable(),
          pages: z.number().int().nullable(),
          destroyed: z.boolean(),
        }),
      ),
    }),
  ),
});

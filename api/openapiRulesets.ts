/** The rulesets' part of `/openapi.json` (API.md, "Rulesets"), from the schemas that validate and describe them. */
import { z } from 'zod';
import { comparisonReportSchema, ruleStatsSchema, rulesetDraftSchema, rulesetSchema, backtestRequestSchema, rulesetStatuses } from '../scoring';
import { inlineBacktestSchema, statsQuerySchema } from './routes/rulesets';

type Json = (schema: z.ZodType) => Record<string, unknown>;
type Errors = (...codes: number[]) => Record<string, unknown>;

export function rulesetPaths(json: Json, errors: Errors): Record<string, unknown> {
  const security = [{ serviceKey: [] }, { reviewerJwt: [] }];
  const version = [{ name: 'version', in: 'path', required: true, schema: { type: 'string' } }];
  const stored = rulesetSchema.extend({
    status: z.enum(rulesetStatuses),
    createdBy: z.string(),
    createdAt: z.string(),
    publishedAt: z.string().optional(),
  });
  const period = z.object({ from: z.string(), to: z.string() });
  const backtest = comparisonReportSchema.extend({ version: z.string(), period, truncated: z.boolean().describe('more checks than a report reads (200 000): the first ones only') });
  const shadow = comparisonReportSchema.extend({ version: z.string(), shadowing: z.boolean(), truncated: z.boolean() });
  const stats = ruleStatsSchema.extend({ version: z.string(), basis: z.enum(['decided', 'rescored']), period: period.optional(), truncated: z.boolean() });
  const field = z.object({ path: z.string(), type: z.enum(['number', 'string', 'boolean']) }).loose();
  return {
    '/v1/rulesets/fields': {
      get: { summary: 'Every `order.*` and `feature.*` path a condition may use, with its type', security, responses: { '200': { description: '{ fields }', content: json(z.object({ fields: z.array(field) })) }, ...errors(401, 403) } },
    },
    '/v1/rulesets/live': {
      get: { summary: 'The live ruleset, in the form POST /v1/rulesets accepts', security, responses: { '200': { description: 'the live version', content: json(stored) }, ...errors(401, 403) } },
    },
    '/v1/rulesets': {
      get: { summary: 'Every version, newest first (status draft, live or retired)', security, responses: { '200': { description: '{ items }', content: json(z.object({ items: z.array(stored) })) }, ...errors(401, 403) } },
      post: {
        summary: 'Save a draft: validated (400 invalid_ruleset names each bad rule and why), stored as a new immutable version',
        security,
        requestBody: { required: true, content: json(rulesetDraftSchema) },
        responses: { '201': { description: 'the draft', content: json(stored) }, ...errors(400, 401, 403) },
      },
    },
    '/v1/rulesets/backtest': {
      post: {
        summary: 'Backtest an unsaved candidate (validated as a draft) over a period (default the last 30 days, at most 92)',
        security,
        requestBody: { required: true, content: json(inlineBacktestSchema.extend({ ruleset: rulesetDraftSchema })) },
        responses: { '200': { description: 'the comparison with what the live rules decided', content: json(backtest) }, ...errors(400, 401, 403, 503) },
      },
    },
    '/v1/rulesets/{version}': {
      get: { summary: 'One version', security, parameters: version, responses: { '200': { description: 'the version', content: json(stored) }, ...errors(400, 401, 403, 404) } },
    },
    '/v1/rulesets/{version}/backtest': {
      post: {
        summary: 'Rescore a version on the facts recorded when past checks were decided, and compare with what the live rules did',
        security,
        parameters: version,
        requestBody: { required: false, content: json(backtestRequestSchema) },
        responses: { '200': { description: 'the comparison', content: json(backtest) }, ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/v1/rulesets/{version}/shadow': {
      post: { summary: 'Shadow a version: it scores every new check beside the live one, without acting', security, parameters: version, responses: { '200': { description: '{ version, shadowing }' }, ...errors(400, 401, 403, 404) } },
      get: { summary: 'The shadow report: the backtest’s shape over the checks shadowed so far', security, parameters: version, responses: { '200': { description: 'the comparison', content: json(shadow) }, ...errors(400, 401, 403, 404, 503) } },
      delete: { summary: 'End shadowing (the results stay)', security, parameters: version, responses: { '204': { description: 'ended' }, ...errors(400, 401, 403, 404) } },
    },
    '/v1/rulesets/{version}/stats': {
      get: {
        summary: 'Per rule: how often it fired and the outcomes of those orders (over the checks it decided; a never-live version rescored over a period)',
        security,
        parameters: [...version, ...Object.keys(statsQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string', format: 'date-time' } }))],
        responses: { '200': { description: 'the figures', content: json(stats) }, ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/v1/rulesets/{version}/publish': {
      post: {
        summary: 'Make a version live for checks created from now on (an older one again: a rollback); admin reviewers only',
        security: [{ reviewerJwt: [] }],
        parameters: version,
        responses: { '200': { description: '{ version, status, publishedAt, publishedBy, sequence }' }, ...errors(400, 401, 403, 404) },
      },
    },
  };
}

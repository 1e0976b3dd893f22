/** The rulesets' part of `/openapi.json` (API.md, "Rulesets"), from the schemas that validate and describe them. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { backtestRequestSchema, rulesetDraftSchema } from '../../scoring';
import { inlineBacktestSchema, statsQuerySchema, versionParamSchema } from '../routes/rulesets';
import {
  backtestReportSchema,
  publishedSchema,
  rulesetFieldsSchema,
  rulesetStatsSchema,
  shadowReportSchema,
  shadowStartedSchema,
  storedRulesetSchema,
} from '../responseSchemas';
import { errors, json, noContent, ok, operation, reviewer, riskTeam } from './common';

const versionPath = z.object({ version: versionParamSchema.meta({ description: 'a version id, e.g. `2026-12-02.3`' }) });
const tags = ['rulesets'];

export function rulesetPaths(): ZodOpenApiPathsObject {
  return {
    '/v1/rulesets/fields': {
      get: operation({
        operationId: 'listRulesetFields',
        tags,
        summary: 'Every `order.*` and `feature.*` path a condition may use, with its type',
        security: riskTeam,
        responses: { ...ok('the fields', rulesetFieldsSchema), ...errors(401, 403) },
      }),
    },
    '/v1/rulesets/live': {
      get: operation({
        operationId: 'getLiveRuleset',
        tags,
        summary: 'The live ruleset, in the form POST /v1/rulesets accepts',
        security: riskTeam,
        responses: { ...ok('the live version', storedRulesetSchema), ...errors(401, 403) },
      }),
    },
    '/v1/rulesets': {
      get: operation({
        operationId: 'listRulesets',
        tags,
        summary: 'Every version, newest first (status draft, live or retired)',
        security: riskTeam,
        responses: { ...ok('the versions', z.object({ items: z.array(storedRulesetSchema) })), ...errors(401, 403) },
      }),
      post: operation({
        operationId: 'createRuleset',
        tags,
        summary: 'Save a draft: validated (400 invalid_ruleset names each bad rule and why), stored as a new immutable version',
        security: riskTeam,
        requestBody: { required: true, content: json(rulesetDraftSchema) },
        responses: { ...ok('the draft', storedRulesetSchema, '201'), ...errors(400, 401, 403) },
      }),
    },
    '/v1/rulesets/backtest': {
      post: operation({
        operationId: 'backtestCandidateRuleset',
        tags,
        summary: 'Backtest an unsaved candidate (validated as a draft) over a period (default the last 30 days, at most 92)',
        security: riskTeam,
        requestBody: { required: true, content: json(inlineBacktestSchema.extend({ ruleset: rulesetDraftSchema })) },
        responses: { ...ok('the comparison with what the live rules decided', backtestReportSchema), ...errors(400, 401, 403, 503) },
      }),
    },
    '/v1/rulesets/{version}': {
      get: operation({
        operationId: 'getRuleset',
        tags,
        summary: 'One version',
        security: riskTeam,
        requestParams: { path: versionPath },
        responses: { ...ok('the version', storedRulesetSchema), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/rulesets/{version}/backtest': {
      post: operation({
        operationId: 'backtestRuleset',
        tags,
        summary: 'Rescore a version on the facts recorded when past checks were decided, and compare with what the live rules did',
        security: riskTeam,
        requestParams: { path: versionPath },
        requestBody: { required: false, content: json(backtestRequestSchema) },
        responses: { ...ok('the comparison', backtestReportSchema), ...errors(400, 401, 403, 404, 503) },
      }),
    },
    '/v1/rulesets/{version}/shadow': {
      post: operation({
        operationId: 'startShadow',
        tags,
        summary: 'Shadow a version: it scores every new check beside the live one, without acting',
        security: riskTeam,
        requestParams: { path: versionPath },
        responses: { ...ok('shadowing', shadowStartedSchema), ...errors(400, 401, 403, 404) },
      }),
      get: operation({
        operationId: 'getShadowReport',
        tags,
        summary: 'The shadow report: the backtest’s shape over the checks shadowed so far',
        security: riskTeam,
        requestParams: { path: versionPath },
        responses: { ...ok('the comparison', shadowReportSchema), ...errors(400, 401, 403, 404, 503) },
      }),
      delete: operation({
        operationId: 'stopShadow',
        tags,
        summary: 'End shadowing (the results stay)',
        security: riskTeam,
        requestParams: { path: versionPath },
        responses: { ...noContent('ended'), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/rulesets/{version}/stats': {
      get: operation({
        operationId: 'getRulesetStats',
        tags,
        summary: 'Per rule: how often it fired and the outcomes of those orders (over the checks it decided; a never-live version rescored over a period)',
        security: riskTeam,
        requestParams: { path: versionPath, query: statsQuerySchema },
        responses: { ...ok('the figures', rulesetStatsSchema), ...errors(400, 401, 403, 404, 503) },
      }),
    },
    '/v1/rulesets/{version}/publish': {
      post: operation({
        operationId: 'publishRuleset',
        tags,
        summary: 'Make a version live for checks created from now on (an older one again: a rollback); admin reviewers only',
        security: reviewer,
        requestParams: { path: versionPath },
        responses: { ...ok('live', publishedSchema), ...errors(400, 401, 403, 404) },
      }),
    },
  };
}

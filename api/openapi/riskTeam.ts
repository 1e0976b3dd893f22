/** Lists and outcomes in `/openapi.json` (API.md, "Lists", "Outcomes"): the service key, or a reviewer token of a role that holds the permission. */
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { orderSchema } from '../../domain/order';
import { entryIdSchema, listEntrySchema, listParamSchema, listQuerySchema, newEntrySchema } from '../routes/lists';
import { newOutcomeSchema, outcomeViewSchema } from '../routes/outcomes';
import { errors, json, noContent, ok, operation, riskTeam } from './common';

const listPath = z.object({ list: listParamSchema });
const orderPath = z.object({ orderId: orderSchema.shape.orderId });

export function riskTeamPaths(): ZodOpenApiPathsObject {
  return {
    '/v1/lists/{list}/entries': {
      post: operation({
        operationId: 'addListEntry',
        tags: ['lists'],
        summary: 'Add a value to the block or allow list (stored as a pseudonym; the same value again answers 200 with the entry)',
        security: riskTeam,
        requestParams: { path: listPath },
        requestBody: { required: true, content: json(newEntrySchema) },
        responses: { ...ok('added', listEntrySchema, '201'), ...ok('already on the list', listEntrySchema), ...errors(400, 401, 403, 404, 503) },
      }),
      get: operation({
        operationId: 'listListEntries',
        tags: ['lists'],
        summary: 'The entries of a list, newest first (hints, never values)',
        security: riskTeam,
        requestParams: { path: listPath, query: listQuerySchema },
        responses: { ...ok('a page', z.object({ items: z.array(listEntrySchema), nextCursor: z.string().nullable() })), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/lists/{list}/entries/{id}': {
      delete: operation({
        operationId: 'removeListEntry',
        tags: ['lists'],
        summary: 'Remove an entry (audited)',
        security: riskTeam,
        requestParams: { path: z.object({ list: listParamSchema, id: entryIdSchema }) },
        responses: { ...noContent('removed'), ...errors(400, 401, 403, 404) },
      }),
    },
    '/v1/checks/{orderId}/outcomes': {
      post: operation({
        operationId: 'recordOutcome',
        tags: ['outcomes'],
        summary: "Record an order's outcome (append-only; the same outcome again answers 200); chargebacks and confirmed fraud raise later orders sharing an identifier",
        security: riskTeam,
        requestParams: { path: orderPath },
        requestBody: { required: true, content: json(newOutcomeSchema) },
        responses: { ...ok('recorded', outcomeViewSchema, '201'), ...ok('recorded before', outcomeViewSchema), ...errors(400, 401, 403, 404, 503) },
      }),
      get: operation({
        operationId: 'listOutcomes',
        tags: ['outcomes'],
        summary: "The order's outcomes, oldest first",
        security: riskTeam,
        requestParams: { path: orderPath },
        responses: { ...ok('the outcomes', z.object({ items: z.array(outcomeViewSchema) })), ...errors(400, 401, 403) },
      }),
    },
  };
}

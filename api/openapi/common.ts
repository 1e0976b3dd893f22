/** What every part of `/openapi.json` builds its operations with (api/openapi.ts and api/openapi/*.ts). */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorSchema } from '../responseSchemas';

export const json = (schema: z.ZodType) => ({ 'application/json': { schema } });

const errorDescriptions: Record<number, string> = {
  400: 'invalid request',
  401: 'missing or bad credentials',
  403: 'role too low',
  404: 'not found',
  409: 'conflict with the current state',
  410: 'gone (purged)',
  413: 'too large',
  415: 'unsupported type',
  429: 'rate limited (Retry-After)',
  503: 'a dependency is out of reach; retry after Retry-After',
};

/** The error responses of an operation, each `{ error: { code, message, details, requestId } }`. */
export const errors = (...codes: number[]): ZodOpenApiResponsesObject =>
  Object.fromEntries(codes.map((code) => [String(code), { description: errorDescriptions[code] ?? 'error', content: json(errorSchema) }]));

/** One JSON response. */
export const ok = (description: string, schema: z.ZodType, status = '200'): ZodOpenApiResponsesObject => ({ [status]: { description, content: json(schema) } });

/** A response without a body (HTTP 204 has none by definition). */
export const noContent = (description: string): ZodOpenApiResponsesObject => ({ '204': { description } });

type Security = Record<string, string[]>[];
export const service: Security = [{ serviceKey: [] }];
export const reviewer: Security = [{ reviewerJwt: [] }];
/** The risk team's endpoints: the order pipeline's service key, or a reviewer token of a role that holds the permission. */
export const riskTeam: Security = [{ serviceKey: [] }, { reviewerJwt: [] }];

export function operation(op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return op;
}

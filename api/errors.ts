/** The one error type of the API, and the handler that turns anything thrown into API.md's error body. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { logger } from '../lib/logger';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** zod issues as `details`: where and what, never the submitted values (they may be PII). */
export function invalidRequest(error: z.ZodError, what = 'request body'): ApiError {
  const details = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code }));
  const first = details[0];
  return new ApiError(400, 'invalid_request', `invalid ${what}: ${first ? `${first.path || '(root)'}: ${first.message}` : 'malformed'}`, details);
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let apiError: ApiError;
  if (error instanceof ApiError) apiError = error;
  else if (error?.type === 'entity.parse.failed') apiError = new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  else if (error?.type === 'entity.too.large') apiError = new ApiError(413, 'payload_too_large', 'the body is too large');
  else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported')
    apiError = new ApiError(415, 'unsupported_encoding', 'the body encoding is not supported');
  else {
    logger.error({ err: { message: error?.message, stack: error?.stack }, method: req.method, route: req.route?.path }, 'unhandled error');
    apiError = new ApiError(500, 'internal', 'something went wrong on our side; it has been logged');
  }
  if (res.headersSent) return;
  res.status(apiError.status).json({
    error: { code: apiError.code, message: apiError.message, ...(apiError.details !== undefined ? { details: apiError.details } : {}) },
  });
};

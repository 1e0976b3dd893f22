/**
 * Request ids: the caller's `X-Request-Id` when it is sane (short, printable,
 * no spaces or quotes: it goes into our logs and headers as it is), otherwise a
 * fresh UUID. Echoed in the answer's header, in every error body
 * (`error.requestId`, see errors.ts) and on every log line of the request (the
 * logger reads it from `requestContext`). Each request is logged once, when
 * its answer is sent: the route's pattern, never the path (links carry tokens).
 */
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { logger } from '../lib/logger';
import { requestContext } from '../lib/requestContext';

export const REQUEST_ID_HEADER = 'X-Request-Id';
export const MAX_REQUEST_ID_LENGTH = 128;
const SANE = new RegExp(`^[A-Za-z0-9._:/@+=-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/** The incoming id when it is one we can repeat safely, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE.test(header) ? header : randomUUID();
}

/** Probes that would fill the log at info (compose's health checks, every 15 s per process). */
const quiet = new Set(['/healthz', '/readyz']);

/** The route's pattern (`/v1/verification/:token`), or `unmatched`: ids and tokens never reach a log line or label. */
export function routeOf(req: Request): string {
  return req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
}

export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFrom(req.headers['x-request-id']);
  res.locals.requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  requestContext.run({ requestId: id }, () => {
    const started = process.hrtime.bigint();
    // Bound here, so the line carries the id whatever context `finish` fires in.
    res.once('finish', AsyncResource.bind(() => logRequest(req, res, started)));
    next();
  });
};

function logRequest(req: Request, res: Response, started: bigint): void {
  const route = routeOf(req);
  const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  const line = { method: req.method, route, status: res.statusCode, ms };
  if (quiet.has(route) && res.statusCode < 400) logger.debug(line, 'request');
  else logger.info(line, 'request');
}

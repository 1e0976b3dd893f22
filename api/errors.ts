/**
 * Errors as HTTP answers: the one table from the refusal vocabulary
 * (domain/errors.ts) to HTTP statuses, the transport's own 4xx (express, its
 * middlewares, Node's parser), and the handlers that turn anything thrown into
 * the contract's error body (`{error:{code,message,details}}`, `/openapi.json`).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { logger } from '../lib/logger';
import { Refusal, refuse, type RefusalCode } from '../domain/errors';
import { requestIdFrom } from './requestId';

/** THE table: the HTTP status of each refusal code. */
export const httpStatus: Readonly<Record<RefusalCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_state: 409,
  order_conflict: 409,
  already_claimed: 409,
  claim_required: 409,
  file_too_large: 413,
  unsupported_type: 415,
  rate_limited: 429,
  temporarily_unavailable: 503,
  gone: 410,
  invalid_ruleset: 400,
  webhook_not_configured: 409,
  redelivery_in_progress: 409,
};

/** An answer of the transport itself (a malformed body, an unknown route's 404 is a Refusal): status and code as sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For 429 and 503, `{ retryAfterSeconds }` sets the `Retry-After` header. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A refusal as an HTTP answer, its status from the table. */
export function toApiError(refusal: Refusal): ApiError {
  return new ApiError(httpStatus[refusal.code], refusal.code, refusal.message, refusal.details);
}

/** zod issues as `details`: where and what, never the submitted values (they may be PII). */
export function invalidRequest(error: z.ZodError, what = 'request body'): Refusal {
  const details = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code }));
  const first = details[0];
  return refuse.invalidRequest(`invalid ${what}: ${first ? `${first.path || '(root)'}: ${first.message}` : 'malformed'}`, details);
}

/** The parsed value, or an `invalid_request` naming `what`. */
export function parseOr<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(refuse.gone(`no route for ${req.method} ${req.path}`));
};

/**
 * `Retry-After` when an answer does not say: a rate limit's window is minutes
 * long; a 503 (a slow decision, an unreachable key set or server) is worth
 * retrying within seconds.
 */
export const defaultRetryAfterSeconds = { 429: 60, 503: 5 } as const;

/** The `Retry-After` seconds of a 429 or 503 (whole seconds, at least 1, at most a day); undefined for other statuses. */
export function retryAfterSeconds(status: number, details?: unknown): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const hint = (details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (typeof hint === 'number' && Number.isFinite(hint) && hint > 0) return Math.min(Math.ceil(hint), 86_400);
  return defaultRetryAfterSeconds[status];
}

/**
 * The 4xx that express and its middlewares raise themselves (http-errors with a
 * `type`, the router's URIError, zlib's errors on a bad compressed body), with
 * our code and a fixed message: their own messages may echo input or name internals.
 */
const knownTypes: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'invalid_json', message: 'the body is not valid JSON' },
  'entity.too.large': { code: 'payload_too_large', message: 'the body is too large' },
  'encoding.unsupported': { code: 'unsupported_encoding', message: 'the body encoding is not supported' },
  'charset.unsupported': { code: 'unsupported_encoding', message: 'the body encoding is not supported' },
  'request.aborted': { code: 'request_aborted', message: 'the request was aborted before its body was received' },
  'request.size.invalid': { code: 'invalid_body', message: 'the body does not match its Content-Length' },
};

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
}

/** The ApiError for a 4xx raised by express or a middleware, or undefined when the error is not one. */
export function fromHttpError(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status: rawStatus, statusCode, type, code } = error as HttpLikeError;
  const status = Number.isInteger(rawStatus) ? (rawStatus as number) : Number.isInteger(statusCode) ? (statusCode as number) : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  const known = typeof type === 'string' ? knownTypes[type] : undefined;
  if (known) return new ApiError(status, known.code, known.message);
  if (error instanceof URIError) return new ApiError(400, 'invalid_url', 'the URL is not valid: a "%" must start a UTF-8 escape like %2F');
  if (typeof code === 'string' && code.startsWith('Z_')) return new ApiError(status, 'invalid_body', 'the body could not be decompressed as its Content-Encoding says');
  const phrase = STATUS_CODES[status] ?? 'Client Error';
  return new ApiError(status, phrase.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''), `the request was refused: ${phrase.toLowerCase()}`);
}

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let apiError: ApiError;
  if (error instanceof ApiError) apiError = error;
  else if (error instanceof Refusal) apiError = toApiError(error);
  else {
    const clientError = fromHttpError(error);
    if (clientError) {
      logger.debug({ status: clientError.status, code: clientError.code, method: req.method }, 'refused by a middleware');
      apiError = clientError;
    } else {
      logger.error({ err: { message: error?.message, stack: error?.stack }, method: req.method, route: req.route?.path }, 'unhandled error');
      apiError = new ApiError(500, 'internal', 'something went wrong on our side; it has been logged');
    }
  }
  if (res.headersSent) {
    // Part of an answer is out: cut the connection so the client sees the failure instead of waiting.
    req.socket?.destroy();
    return;
  }
  // What a failed attempt at another answer set (a page's type, a file's validators) does not describe this one.
  for (const name of ['Content-Type', 'Content-Disposition', 'Content-Encoding', 'ETag', 'Last-Modified']) res.removeHeader(name);
  const retryAfter = retryAfterSeconds(apiError.status, apiError.details);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  res.status(apiError.status).json({
    error: {
      code: apiError.code,
      message: apiError.message,
      ...(apiError.details !== undefined ? { details: apiError.details } : {}),
      // The id to quote to an operator: it is on every log line of this request (api/requestId.ts).
      ...(typeof res.locals.requestId === 'string' ? { requestId: res.locals.requestId } : {}),
    },
  });
};

/** How long a refused connection is still read (and discarded) after its answer, so a client still sending can read it. */
const LINGER_MS = 3_000;
const answered = new WeakSet<Socket>();

/**
 * The HTTP server's `clientError` (a request Node's parser refuses before
 * express sees it: a malformed request line or header, headers too large, a
 * body cut short): the same answers as Node's own, with the contract's body.
 * Then a lingering close, as web servers do: the answer and our FIN go out,
 * and what the client is still sending (a large body) is read and dropped for
 * a moment; closing at once would reset the connection and a client still
 * writing would lose the answer.
 */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void {
  // The parser refuses every later chunk of the same connection again: it was answered already.
  if (answered.has(socket)) return;
  answered.add(socket);
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  logger.debug({ code: error.code }, 'refused by the HTTP parser');
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy(error);
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request_header_fields_too_large', 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'the request was not received in time']
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'payload_too_large', 'the chunk extensions are too large']
          : [400, 'malformed_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  // An answer to HEAD has no body (the client would take the body for a second, bogus answer).
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The HTTP server's `checkExpectation` (an `Expect` header other than
 * `100-continue`): Node's own answer is a bare 417; this one has the contract's body.
 */
export function expectationHandler(req: IncomingMessage, res: ServerResponse): void {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  const body = JSON.stringify({ error: { code: 'expectation_failed', message: 'the only Expect this server meets is 100-continue', requestId } });
  logger.info({ requestId, method: req.method, status: 417 }, 'request');
  res.writeHead(417, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
    'X-Request-Id': requestId,
  });
  res.end(body);
}

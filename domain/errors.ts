/**
 * The one vocabulary of refusals: every "no" the engine answers has one of
 * these codes, whoever says it (a workflow validator, the application layer, a
 * limiter). The API maps each code to its HTTP status in one table
 * (api/errors.ts); the codes and their meaning are the public contract
 * (`/openapi.json`, README "Who may do what").
 * Pure: the workflow bundle imports it too.
 */

export const refusalCodes = [
  /** The request is malformed or asks for something the check did not ask for. */
  'invalid_request',
  /** No credentials, or credentials that are not valid. */
  'unauthorized',
  /** Valid credentials whose role may not do this (domain/roles.ts). */
  'forbidden',
  'not_found',
  /** The check is not in a state that takes this (final, being scored, another decision in flight). */
  'invalid_state',
  /** The order was already submitted with a different body. */
  'order_conflict',
  /** Someone else holds the case's claim. */
  'already_claimed',
  /** A decision needs the caller's live claim. */
  'claim_required',
  'file_too_large',
  'unsupported_type',
  /** Too many requests in a window; `details.retryAfterSeconds` says when to retry. */
  'rate_limited',
  /** Busy or restarting (Temporal out of reach, a slow decision, an upload budget full); retry the same request. */
  'temporarily_unavailable',
  /** It existed and was destroyed for good (a case file after the retention purge). */
  'gone',
  /** A ruleset that does not validate; `details` names each bad rule and why. */
  'invalid_ruleset',
  /** A webhook operation with no receiver configured (WEBHOOK_URL). */
  'webhook_not_configured',
  /** A redelivery of the same event is still under way. */
  'redelivery_in_progress',
] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export function isRefusalCode(value: unknown): value is RefusalCode {
  return typeof value === 'string' && (refusalCodes as readonly string[]).includes(value);
}

/** What a refusal may carry besides its message: zod issues, or when to retry. */
export type RefusalDetails = { retryAfterSeconds: number } | unknown[] | Record<string, unknown>;

/** A refusal with its code and a message for people (never PII). */
export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details?: RefusalDetails,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Refusal;
}

/** The named refusals: `throw refuse.notFound('case chk_…')` rather than a code spelled by hand. */
export const refuse = {
  invalidRequest: (message: string, details?: RefusalDetails) => new Refusal('invalid_request', message, details),
  unauthorized: (message: string) => new Refusal('unauthorized', message),
  forbidden: (message: string) => new Refusal('forbidden', message),
  notFound: (what: string) => new Refusal('not_found', `${what} not found`),
  /** A not-found whose message is not "<what> not found" (an expired link, a destroyed document). */
  gone: (message: string) => new Refusal('not_found', message),
  /** Destroyed for good (the retention purge): 410, not 404. */
  destroyed: (message: string) => new Refusal('gone', message),
  webhookNotConfigured: (message: string) => new Refusal('webhook_not_configured', message),
  redeliveryInProgress: (message: string) => new Refusal('redelivery_in_progress', message),
  invalidState: (message: string) => new Refusal('invalid_state', message),
  orderConflict: (message: string) => new Refusal('order_conflict', message),
  alreadyClaimed: (message: string) => new Refusal('already_claimed', message),
  claimRequired: (message: string) => new Refusal('claim_required', message),
  fileTooLarge: (message: string) => new Refusal('file_too_large', message),
  unsupportedType: (message: string) => new Refusal('unsupported_type', message),
  rateLimited: (message: string, retryAfterSeconds: number) => new Refusal('rate_limited', message, { retryAfterSeconds }),
  /** Retry the same request; without `retryAfterSeconds` the API's default applies. */
  unavailable: (message: string, retryAfterSeconds?: number) =>
    new Refusal('temporarily_unavailable', message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds }),
} as const;

/**
 * Authentication of reviewers: `Authorization: Bearer <JWT>`. Tokens are HS256
 * with REVIEWER_JWT_SECRET or, with an identity provider (REVIEWER_JWKS_URL),
 * RS256/ES256 from its key set (both accepted; the header's `alg` picks the key
 * source, and each source is held to its own algorithms, so an HS256 token is
 * never checked against a public key nor the reverse). Claims: `sub` (the
 * reviewer id), `role`, `exp`, all required; a token may live at most
 * MAX_TOKEN_LIFETIME_SECONDS. The identity provider's tokens must carry its
 * issuer and our audience (without them, a token the provider issued to any
 * other app would pass). The HS256 tokens are our own (only holders of the
 * secret can make them) and carry neither; without a secret (production with
 * an identity provider only) they are refused.
 */
import type { Request, RequestHandler } from 'express';
import {
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import { isRole, roleAtLeast, type Role } from '../domain/roles';
import { bearer } from './auth';
import { refuse } from '../domain/errors';


/** An identity provider whose RS256/ES256 tokens are accepted, and what they must say. */
export interface IdentityProvider {
  /** REVIEWER_JWKS_URL: its key set. */
  jwksUrl: string;
  /** REVIEWER_JWT_ISSUER: the `iss` its tokens carry. */
  issuer: string;
  /** REVIEWER_JWT_AUDIENCE: the `aud` of tokens it issues for this application. */
  audience: string;
}

export interface ReviewerAuthOptions {
  /** REVIEWER_JWT_SECRET: the HS256 key; without it HS256 tokens are refused. */
  secret?: string;
  identityProvider?: IdentityProvider;
}

export interface Reviewer {
  id: string;
  role: Role;
}

const HMAC_ALG = 'HS256';
const JWKS_ALGS = ['RS256', 'ES256'];
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_SUB_LENGTH = 128;
/** The longest a reviewer token may be valid (`exp` after `iat`): a leaked token is worth a day at most. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;
const MAX_TOKEN_LIFETIME = `${MAX_TOKEN_LIFETIME_SECONDS / 3600} h`;

const unauthorized = refuse.unauthorized;

/** The key source could not be reached or read: our problem, not the caller's token. */
class KeySourceError extends Error {}

function secretKey(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('requireReviewer: a non-empty secret is required');
  return new TextEncoder().encode(secret);
}

/** The JWKS resolver, with fetch and parse failures told apart from "no such key". */
function jwksResolver(jwksUrl: string): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySourceError(error instanceof Error ? error.message : String(error));
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim check failed: ${error.claim} ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token signing key is not known';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  return 'token is malformed or invalid';
}

/**
 * How long a token is valid for: from `iat` to `exp`, or from now when `iat` is
 * missing or in the future (a future `iat` must not stretch what is left).
 */
function tokenLifetimeSeconds(payload: JWTPayload, nowSeconds = Math.floor(Date.now() / 1000)): number {
  const from = typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds;
  return (payload.exp ?? Infinity) - from;
}

/** The reviewer of verified claims, or why not. */
function reviewerOf(payload: JWTPayload): Reviewer | string {
  const { sub, role } = payload as JWTPayload & { role?: unknown };
  // eslint-disable-next-line no-control-regex
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH || /[\u0000-\u001f\u007f]/.test(sub)) {
    return `token sub claim is missing or invalid (a string of 1–${MAX_SUB_LENGTH} characters)`;
  }
  if (!isRole(role)) return 'token role claim is missing or unknown';
  if (typeof payload.exp !== 'number') return 'token exp claim is missing';
  if (tokenLifetimeSeconds(payload) > MAX_TOKEN_LIFETIME_SECONDS) {
    return `token lifetime is too long: a reviewer token may be valid for at most ${MAX_TOKEN_LIFETIME} (exp − iat); ask for a shorter one`;
  }
  return { id: sub, role };
}

/**
 * Express middleware: verifies the reviewer's token and, with `minRole`,
 * requires that role or above. Sets `res.locals.reviewer` and `res.locals.actor`.
 */
export function requireReviewer(
  options: ReviewerAuthOptions,
  minRole?: Role,
  /** Where the token is: the `Authorization: Bearer` header, unless the route says otherwise (the codec's cookie). */
  tokenOf: (req: Request) => string | undefined = (req) => bearer(req.headers.authorization),
): RequestHandler {
  const { secret, identityProvider: idp } = options;
  if (secret === undefined && !idp) throw new TypeError('requireReviewer: a secret or an identity provider is required');
  if (idp && !(idp.issuer && idp.audience)) throw new TypeError('requireReviewer: an identity provider needs an issuer and an audience');
  const hmacKey = secret === undefined ? undefined : secretKey(secret);
  const jwks = idp ? jwksResolver(idp.jwksUrl) : undefined;
  if (minRole !== undefined && !isRole(minRole)) throw new TypeError(`requireReviewer: unknown role ${String(minRole)}`);

  return async (req, res, next) => {
    const token = tokenOf(req);
    if (!token) return next(unauthorized('missing bearer reviewer token'));

    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return next(unauthorized('token is malformed'));
    }

    let payload: JWTPayload;
    try {
      if (header.alg === HMAC_ALG && hmacKey) {
        ({ payload } = await jwtVerify(token, hmacKey, {
          algorithms: [HMAC_ALG],
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        }));
      } else if (idp && jwks && typeof header.alg === 'string' && JWKS_ALGS.includes(header.alg)) {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: JWKS_ALGS,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          issuer: idp.issuer,
          audience: idp.audience,
        }));
      } else {
        return next(unauthorized(`token algorithm ${JSON.stringify(String(header.alg))} is not accepted`));
      }
    } catch (error) {
      if (error instanceof KeySourceError) {
        return next(refuse.unavailable('the reviewer key set cannot be fetched right now; retry shortly'));
      }
      return next(unauthorized(describe(error)));
    }

    const reviewer = reviewerOf(payload);
    if (typeof reviewer === 'string') return next(unauthorized(reviewer));
    if (minRole && !roleAtLeast(reviewer.role, minRole)) {
      return next(refuse.forbidden(`this needs the ${minRole} role or above; you are ${reviewer.role}`));
    }
    res.locals.reviewer = reviewer;
    res.locals.actor = { type: 'reviewer', id: reviewer.id, role: reviewer.role };
    next();
  };
}

/**
 * An HS256 reviewer token (dev banner, scripts, tests). `expiresIn`: jose time
 * span, e.g. '12h', '15m'; at most MAX_TOKEN_LIFETIME_SECONDS (RangeError beyond:
 * such a token would be refused).
 */
export async function signReviewerToken(secret: string, { sub, role, expiresIn = '12h' }: { sub: string; role: Role; expiresIn?: string }): Promise<string> {
  if (!isRole(role)) throw new TypeError(`signReviewerToken: unknown role ${String(role)}`);
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH) throw new TypeError('signReviewerToken: sub must be 1–128 characters');
  const token = await new SignJWT({ role })
    .setProtectedHeader({ alg: HMAC_ALG, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secretKey(secret));
  if (tokenLifetimeSeconds(decodeJwt(token)) > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new RangeError(`a reviewer token may be valid for at most ${MAX_TOKEN_LIFETIME}; ${JSON.stringify(expiresIn)} is longer`);
  }
  return token;
}

/**
 * The Temporal UI's remote codec (Temporal's codec-server protocol): `POST
 * /codec/decode` takes `{"payloads":[…]}` (Payloads as proto3 JSON: metadata
 * values and data in base64) and answers them decrypted with the payload codec
 * (lib/payloadCodec.ts), so operators see a check's order, activity arguments
 * and results in the UI. Decrypting reveals personal data, so:
 *
 * - only a reviewer token whose role holds `payloads.decode` (admins) is
 *   accepted: as `Authorization: Bearer` (the UI with OIDC and "pass access
 *   token", the `temporal` CLI's `--codec-auth`), or as the cookie that the
 *   sign-in form at `GET /codec` sets (a UI without a login of its own, with
 *   "include cross-origin credentials"); the cookie is honoured only on requests
 *   from TEMPORAL_UI_URL's origins;
 * - browsers may call it from TEMPORAL_UI_URL's origins only (CORS, preflight
 *   included); a request from any other origin is refused before the token is
 *   looked at;
 * - the body is bounded (size and number of payloads);
 * - each call is logged: who, the namespace, how many payloads, and which
 *   checks they belong to (ids from the decoded content), never the payloads.
 *   Not in a check's audit chain: the UI sends one call per history event and
 *   names no check.
 *
 * `/codec/encode` is not offered: an encoder would let its caller forge payloads
 * that the workers accept (they refuse unencrypted ones), e.g. signals sent
 * around the API. The production UI has its write actions off anyway.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import type { Config } from '../../config';
import { can } from '../../domain/roles';
import { logger } from '../../lib/logger';
import { EncryptionCodec } from '../../lib/payloadCodec';
import { bearer } from '../auth';
import { ApiError, invalidRequest } from '../errors';
import { requireReviewer, type Reviewer } from '../reviewerAuth';

export const CODEC_COOKIE = 'fraud_codec_token';
/** A history page's payloads fit easily; Temporal refuses payloads above 2 MB anyway. */
export const CODEC_BODY_LIMIT = '4mb';
export const MAX_CODEC_PAYLOADS = 1_000;
/** What the UI sends (`Authorization-Extras`: the OIDC id token, which we ignore). */
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';
const CHECK_ID = /^chk_[A-Za-z0-9_-]{1,40}$/;

// Proto3 JSON writes bytes as base64, standard or URL-safe.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64');
const payloadSchema = z.object({
  metadata: z.record(z.string().min(1).max(256), base64).optional(),
  data: base64.optional(),
});
export const codecRequestSchema = z.object({
  payloads: z.array(payloadSchema).max(MAX_CODEC_PAYLOADS, `at most ${MAX_CODEC_PAYLOADS} payloads per call`),
});
type JsonPayload = z.infer<typeof payloadSchema>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The value of one cookie of the request, or undefined. */
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** Check ids in a decoded JSON payload (the workflow input, activity arguments, the state), to log which checks were looked at. */
function checkIdsIn(payload: Payload, into: Set<string>): void {
  if (Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString() !== 'json/plain' || into.size >= 20) return;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8'));
  } catch {
    return;
  }
  const visit = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 2) return;
    for (const [k, child] of Object.entries(v)) {
      if (k === 'checkId' && typeof child === 'string' && CHECK_ID.test(child)) into.add(child);
      else visit(child, depth + 1);
    }
  };
  visit(value, 0);
}

export function codecRouter(config: Config): Router {
  const router = Router();
  const origins = new Set(config.temporalUiOrigins);
  // Plaintext passes through as it is (the UI sends whatever a history holds); we only ever decrypt.
  const codec = new EncryptionCodec(config.payloadKeys.keys, config.payloadKeys.current, { allowPlaintext: true });
  const secureCookie = config.publicUrl.startsWith('https:');

  /** CORS for the UI's origins; any other browser origin is refused here, before anything else. */
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin === undefined) return next(); // not a browser's cross-origin call (the CLI, curl)
    if (!origins.has(origin)) {
      return next(new ApiError(403, 'origin_not_allowed', 'this origin may not call the codec endpoint (TEMPORAL_UI_URL lists the Temporal UI origins that may)'));
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    next();
  };

  router.options(['/codec/decode', '/codec/encode'], cors, (_req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  });

  /** The bearer token, else the sign-in cookie — which is honoured only on a call from the UI's origin (no cross-site use). */
  const tokenOf = (req: Request) => {
    const presented = bearer(req.headers.authorization);
    if (presented) return presented;
    const fromCookie = cookie(req, CODEC_COOKIE);
    return fromCookie && req.headers.origin !== undefined && origins.has(req.headers.origin) ? fromCookie : undefined;
  };
  const authOptions = { secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider };
  const mayDecode: RequestHandler = (_req, res, next) => {
    const { role } = res.locals.reviewer as Reviewer;
    if (!can(role, 'payloads.decode')) return next(new ApiError(403, 'forbidden', `your role (${role}) may not decode Temporal payloads (admins may)`));
    next();
  };

  router.post(
    '/codec/decode',
    cors,
    requireReviewer(authOptions, undefined, tokenOf),
    mayDecode,
    express.json({ limit: CODEC_BODY_LIMIT, strict: true }),
    async (req: Request, res: Response) => {
      if (!req.is('application/json')) throw new ApiError(415, 'unsupported_media_type', 'send the payloads as application/json');
      const parsed = codecRequestSchema.safeParse(req.body);
      if (!parsed.success) throw invalidRequest(parsed.error);
      let decoded = 0;
      let failed = 0;
      const checks = new Set<string>();
      const payloads = await Promise.all(
        parsed.data.payloads.map(async (json) => {
          const payload = fromJson(json);
          try {
            const [plain] = await codec.decode([payload]);
            if (plain !== payload) decoded += 1;
            checkIdsIn(plain, checks);
            return toJson(plain);
          } catch {
            // Not ours to read (an unknown key, a tampered payload): shown as it is, still encrypted.
            failed += 1;
            return json;
          }
        }),
      );
      const reviewer = res.locals.reviewer as Reviewer;
      const namespace = String(req.headers['x-namespace'] ?? '').slice(0, 100);
      logger.info(
        { actor: { id: reviewer.id, role: reviewer.role }, namespace, payloads: payloads.length, decoded, failed, checks: [...checks] },
        'payloads decoded',
      );
      res.setHeader('Cache-Control', 'no-store');
      res.json({ payloads });
    },
  );

  router.post('/codec/encode', cors, () => {
    throw new ApiError(404, 'not_offered', 'this codec server only decodes: encoding would let a caller forge payloads the workers accept');
  });

  // ---- sign-in for a UI that cannot send a token itself ------------------------------------
  const page = (body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Temporal payloads</title><link rel="stylesheet" href="/common.css"></head><body><main>${body}</main></body></html>`;
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const uiList = [...origins].map((o) => `<code>${escape(o)}</code>`).join(', ') || '(none: set TEMPORAL_UI_URL)';

  router.get('/codec', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(
      page(
        `<h1>Decode Temporal payloads</h1>` +
          `<p>The Temporal UI (${uiList}) shows a check's payloads decrypted when it calls <code>${escape(config.publicUrl)}/codec</code> ` +
          `with an admin's reviewer token. If the UI has no login of its own, sign in here: this browser then keeps the token in a cookie ` +
          `for this endpoint only, and the UI sends it when its Codec Server setting has <em>Include cross-origin credentials</em> on.</p>` +
          `<form method="post" action="/codec/session"><label>Admin reviewer token <input type="password" name="token" autocomplete="off" required></label> ` +
          `<button type="submit">Sign in</button></form>` +
          `<form method="post" action="/codec/session/end"><button type="submit">Sign out</button></form>`,
      ),
    );
  });

  const formToken = (req: Request) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    return typeof token === 'string' ? token.trim() || undefined : undefined;
  };
  router.post(
    '/codec/session',
    express.urlencoded({ extended: false, limit: '16kb' }),
    requireReviewer(authOptions, undefined, formToken),
    mayDecode,
    (req, res) => {
      const reviewer = res.locals.reviewer as Reviewer;
      const token = formToken(req)!;
      const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number }).exp;
      const maxAge = Math.max(0, exp - Math.floor(Date.now() / 1000));
      // Cross-site from the UI (https): SameSite=None needs Secure. Plain http (development) is same-site: Strict.
      const sameSite = secureCookie ? 'SameSite=None; Secure' : 'SameSite=Strict';
      res.setHeader('Set-Cookie', `${CODEC_COOKIE}=${token}; Path=/codec; Max-Age=${maxAge}; HttpOnly; ${sameSite}`);
      res.setHeader('Cache-Control', 'no-store');
      logger.info({ actor: { id: reviewer.id, role: reviewer.role } }, 'codec sign-in');
      res.type('html').send(
        page(
          `<h1>Signed in</h1><p>As <code>${escape(reviewer.id)}</code> (${escape(reviewer.role)}) until ${new Date(exp * 1000).toISOString()}. ` +
            `In the Temporal UI, open the Codec Server settings, use the endpoint <code>${escape(config.publicUrl)}/codec</code> ` +
            `and turn on <em>Include cross-origin credentials</em>.</p><p><a href="/codec">Back</a></p>`,
        ),
      );
    },
  );

  router.post('/codec/session/end', (_req, res) => {
    res.setHeader('Set-Cookie', `${CODEC_COOKIE}=; Path=/codec; Max-Age=0; HttpOnly; ${secureCookie ? 'SameSite=None; Secure' : 'SameSite=Strict'}`);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(page(`<h1>Signed out</h1><p><a href="/codec">Back</a></p>`));
  });

  return router;
}

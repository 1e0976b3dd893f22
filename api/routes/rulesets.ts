/**
 * The risk team's rulesets (API.md, "Rulesets"): parse → call app/rulesets.ts →
 * present. Callers: the order pipeline's service key, or a reviewer token (the use
 * cases decide what each role may do: `senior` reads, drafts, backtests, shadows;
 * `admin` publishes; a `reviewer` gets 403).
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import * as rulesets from '../../app/rulesets';
import { backtestRequestSchema } from '../../scoring';
import { safeEqual, sha256Hex } from '../../lib/crypto';
import { bearer } from '../auth';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { invalidRequest } from '../errors';

/** A version id in a path: what `POST /v1/rulesets` makes (`2026-12-02.3`), bounded. */
export const versionParamSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a ruleset version');
/** `POST /v1/rulesets/backtest`: an unsaved candidate over a period. */
export const inlineBacktestSchema = backtestRequestSchema.extend({ ruleset: z.unknown() });
/** Query of `GET /v1/rulesets/:version/stats`: the period a never-live version is rescored over. */
export const statsQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});


/** Read-only fields of a ruleset as `GET` answers it: dropped from a `POST`, so what `GET` answers can be posted back. */
const presentedOnly = ['createdBy', 'createdAt', 'publishedAt'];

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

export function rulesetsRouter(config: Config): Router {
  const router = Router();
  const reviewerAuth = requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider });

  /** The service key or a reviewer token; `res.locals.rulesetActor` says which. */
  const authenticate: RequestHandler = (req, res, next) => {
    const presented = bearer(req.headers.authorization);
    const key = presented ? config.serviceApiKeys.find((k) => safeEqual(k, presented)) : undefined;
    if (key) {
      res.locals.rulesetActor = { type: 'service', id: `key_${sha256Hex(key).slice(0, 8)}` } satisfies rulesets.RulesetActor;
      return next();
    }
    reviewerAuth(req, res, (error?: unknown) => {
      if (error) return next(error);
      const reviewer = res.locals.reviewer as Reviewer;
      res.locals.rulesetActor = { type: 'reviewer', id: reviewer.id, role: reviewer.role } satisfies rulesets.RulesetActor;
      next();
    });
  };
  router.use('/v1/rulesets', authenticate);

  const actor = (res: { locals: Record<string, unknown> }) => res.locals.rulesetActor as rulesets.RulesetActor;
  const version = (params: Record<string, unknown>) => parse(versionParamSchema, params.version, 'ruleset version');
  /** Runs a use case (its refusals are the engine's: the error handler answers them). */
  const present = async <T>(work: () => Promise<T> | T): Promise<T> => work();

  router.get('/v1/rulesets/fields', async (_req, res) => {
    res.json(await present(() => rulesets.fields(actor(res))));
  });

  router.get('/v1/rulesets/live', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await present(() => rulesets.live(actor(res))));
  });

  router.get('/v1/rulesets', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await present(() => rulesets.list(actor(res))));
  });

  router.post('/v1/rulesets', async (req, res) => {
    const body = req.body as unknown;
    const draft =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? Object.fromEntries(Object.entries(body).filter(([k]) => !presentedOnly.includes(k) && k !== 'version' && k !== 'status'))
        : body;
    res.status(201).json(await present(() => rulesets.create(actor(res), draft)));
  });

  router.post('/v1/rulesets/backtest', async (req, res) => {
    const input = parse(inlineBacktestSchema, req.body ?? {}, 'request body');
    res.json(await present(() => rulesets.backtestInline(actor(res), input)));
  });

  router.get('/v1/rulesets/:version', async (req, res) => {
    const v = version(req.params);
    res.json(await present(() => rulesets.get(actor(res), v)));
  });

  router.post('/v1/rulesets/:version/backtest', async (req, res) => {
    const v = version(req.params);
    const input = parse(backtestRequestSchema, req.body ?? {}, 'request body');
    res.json(await present(() => rulesets.backtest(actor(res), v, input)));
  });

  router.post('/v1/rulesets/:version/shadow', async (req, res) => {
    const v = version(req.params);
    res.json(await present(() => rulesets.startShadow(actor(res), v)));
  });

  router.get('/v1/rulesets/:version/shadow', async (req, res) => {
    const v = version(req.params);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await present(() => rulesets.shadowReport(actor(res), v)));
  });

  router.delete('/v1/rulesets/:version/shadow', async (req, res) => {
    const v = version(req.params);
    await present(() => rulesets.stopShadow(actor(res), v));
    res.status(204).end();
  });

  router.get('/v1/rulesets/:version/stats', async (req, res) => {
    const v = version(req.params);
    const query = parse(statsQuerySchema, req.query, 'query');
    res.json(await present(() => rulesets.stats(actor(res), v, query)));
  });

  router.post('/v1/rulesets/:version/publish', async (req, res) => {
    const v = version(req.params);
    res.json(await present(() => rulesets.publish(actor(res), v)));
  });

  return router;
}

/** Authentication of the order pipeline (service keys). */
import type { RequestHandler } from 'express';
import { safeEqual, sha256Hex } from '../lib/crypto';
import { refuse } from '../domain/errors';

export function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Requires one of SERVICE_API_KEYS; records which (a non-secret label) as the actor. */
export function requireServiceKey(keys: string[]): RequestHandler {
  return (req, res, next) => {
    const presented = bearer(req.headers.authorization);
    if (!presented) return next(refuse.unauthorized('missing bearer service key'));
    const key = keys.find((k) => safeEqual(k, presented));
    if (!key) return next(refuse.unauthorized('invalid service key'));
    res.locals.actor = { type: 'service', id: `key_${sha256Hex(key).slice(0, 8)}` };
    next();
  };
}

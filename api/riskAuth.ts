/**
 * Who may call the risk team's endpoints (API.md, "Risk team"): the order
 * pipeline's service key, or a reviewer token whose role holds the permission
 * (domain/roles.ts: `senior` and above); a `reviewer` gets `403 forbidden`.
 * Sets `res.locals.actor` (and `res.locals.reviewer` for a token).
 */
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { can, type Permission } from '../domain/roles';
import { safeEqual, sha256Hex } from '../lib/crypto';
import { bearer } from './auth';
import { refuse } from '../domain/errors';
import { requireReviewer, type Reviewer } from './reviewerAuth';

export function requireRiskTeam(config: Config, permission: Permission): RequestHandler {
  const reviewerAuth = requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider });
  return (req, res, next) => {
    const presented = bearer(req.headers.authorization);
    const key = presented ? config.serviceApiKeys.find((k) => safeEqual(k, presented)) : undefined;
    if (key) {
      res.locals.actor = { type: 'service', id: `key_${sha256Hex(key).slice(0, 8)}` };
      return next();
    }
    // Not a service key: it must be a reviewer token whose role may do this.
    void reviewerAuth(req, res, (error?: unknown) => {
      if (error) return next(error);
      const reviewer = res.locals.reviewer as Reviewer;
      if (!can(reviewer.role, permission)) {
        return next(refuse.forbidden(`your role (${reviewer.role}) may not ${permission.replace('.', ' ')}`));
      }
      next();
    });
  };
}

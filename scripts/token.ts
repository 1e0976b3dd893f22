/**
 * `npm run token -- <reviewer id> [reviewer|senior|admin] [expiry]`: a reviewer token signed
 * with REVIEWER_JWT_SECRET (or the dev secret), valid for at most 24 h.
 */
import { loadConfig } from '../config';
import { signReviewerToken } from '../api/reviewerAuth';
import { isRole } from '../domain/roles';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const [sub, role = 'reviewer', expiresIn = '12h'] = process.argv.slice(2);
  if (!sub || !isRole(role)) fail('usage: npm run token -- <reviewer id> [reviewer|senior|admin] [expiry, e.g. 12h; at most 24h]');
  const config = loadConfig();
  if (!config.reviewerJwtSecret) {
    fail('REVIEWER_JWT_SECRET is not set: this deployment accepts only its identity provider’s reviewer tokens (REVIEWER_JWKS_URL)');
  }
  try {
    process.stdout.write(`${await signReviewerToken(config.reviewerJwtSecret, { sub, role, expiresIn })}\n`);
  } catch (error) {
    if (error instanceof RangeError) fail(`cannot make the token: ${error.message}`);
    fail(`cannot make the token: ${JSON.stringify(expiresIn)} is not a time span (e.g. 15m, 12h, 24h): ${(error as Error).message}`);
  }
}

void main();

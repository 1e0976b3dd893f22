/** `npm run token -- <reviewer id> [reviewer|senior|admin] [expiry]`: a reviewer token signed with REVIEWER_JWT_SECRET (or the dev secret). */
import { loadConfig } from '../config';
import { signReviewerToken } from '../api/reviewerAuth';
import { isRole } from '../domain/roles';

async function main(): Promise<void> {
  const [sub, role = 'reviewer', expiresIn = '12h'] = process.argv.slice(2);
  if (!sub || !isRole(role)) {
    process.stderr.write('usage: npm run token -- <reviewer id> [reviewer|senior|admin] [expiry, e.g. 12h]\n');
    process.exit(2);
  }
  const config = loadConfig();
  process.stdout.write(`${await signReviewerToken(config.reviewerJwtSecret, { sub, role, expiresIn })}\n`);
}

void main();

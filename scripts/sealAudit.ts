/**
 * `npm run audit:seal`: run once after upgrading to the keyed audit chain.
 * Chains written before AUDIT_SECRET end in unkeyed entries and do not verify
 * (anyone can recompute plain SHA-256); this appends a keyed `audit.sealed`
 * entry to each, so from now on the key vouches for them. It vouches for what
 * the database holds at this moment: run it right after the upgrade. Needs
 * MONGODB_URI (`npm start` prints it) and the AUDIT_SECRET of the servers.
 */
import { loadConfig } from '../config';
import { connectDatabase, disconnectDatabase } from '../models';
import { configureAudit, sealUnkeyedChains } from '../activities/audit';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.mongodbUri) throw new Error('MONGODB_URI is not set (npm start prints the database address)');
  configureAudit(config.auditSecret);
  await connectDatabase(config.mongodbUri);
  try {
    const sealed = await sealUnkeyedChains();
    process.stdout.write(`sealed ${sealed.length} audit chain(s) written before AUDIT_SECRET\n`);
  } finally {
    await disconnectDatabase();
  }
}

main().catch((error) => {
  process.stderr.write(`audit:seal failed: ${(error as Error).message}\n`);
  process.exit(1);
});

/**
 * `npm start`: the whole product on one machine. Starts the embedded stack
 * (unless TEMPORAL_ADDRESS / MONGODB_URI point elsewhere), then the workers and
 * the API; prints where everything is; Ctrl-C stops all it started.
 *
 * Two worker processes, as in production: one for decisions (`checks`), one for
 * image and PDF work (`documents`). A document then never shares an event loop,
 * a thread pool or a crash with the decision path. WORKER_TASK_QUEUES, when set,
 * runs one worker with exactly those queues instead.
 */
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../config';
import { taskQueues } from '../workflows/names';
import { checkDocumentKeys } from '../lib/documentKeys';
import { connectTemporalClient } from '../lib/temporal';
import { startStack } from '../stack';
import { startService, type Service } from '../stack/services';
import { signReviewerToken } from '../api/reviewerAuth';

async function main(): Promise<void> {
  const config = loadConfig();
  const stack = await startStack({
    dataDir: config.dataDir,
    temporalAddress: config.temporal.address,
    mongodbUri: config.mongodbUri,
  });
  const env = { TEMPORAL_ADDRESS: stack.temporalAddress, MONGODB_URI: stack.mongodbUri, DATA_DIR: config.dataDir };
  const services: Service[] = [];
  let stopping = false;
  try {
    await checkKeys({ ...config, temporal: { ...config.temporal, address: stack.temporalAddress }, mongodbUri: stack.mongodbUri });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    await stack.stop();
    process.exit(1);
  }
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping ...\n');
    for (const s of services.reverse()) await s.stop();
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    if (process.env.WORKER_TASK_QUEUES) {
      services.push(await startService('worker', 'worker/main.ts', env, { logDir: stack.logDir, echo: true }));
    } else {
      const started = await Promise.allSettled([
        startService('worker', 'worker/main.ts', { ...env, WORKER_TASK_QUEUES: taskQueues.checks }, { logDir: stack.logDir, echo: true }),
        startService('documents-worker', 'worker/main.ts', { ...env, WORKER_TASK_QUEUES: taskQueues.documents }, { logDir: stack.logDir, echo: true }),
      ]);
      for (const s of started) if (s.status === 'fulfilled') services.push(s.value); // stopped on failure, too
      for (const s of started) if (s.status === 'rejected') throw s.reason;
    }
    services.push(await startService('api', 'api/main.ts', env, { logDir: stack.logDir, echo: true }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    await stop(1);
    return;
  }
  for (const s of services) {
    void s.exited.then((code) => {
      if (!stopping) {
        process.stderr.write(`${s.name} exited (${code}); see ${stack.logDir}/${s.name}.log\n`);
        void stop(1);
      }
    });
  }

  const lines = [
    '',
    'Fraud-check engine is running.',
    `  API            ${config.publicUrl}   (OpenAPI: ${config.publicUrl}/openapi.json)`,
    stack.temporalUiUrl ? `  Temporal UI    ${stack.temporalUiUrl}` : `  Temporal       ${stack.temporalAddress}`,
    `  Database       ${stack.mongodbUri}`,
    `  Data and logs  ${config.dataDir}  (logs in ${stack.logDir})`,
  ];
  if (config.devSecrets.serviceApiKey) lines.push(`  Service key    ${config.devSecrets.serviceApiKey}   (development key; set SERVICE_API_KEYS in production)`);
  lines.push(`  Upload page    ${config.publicUrl}/verify/<token>   (the link in each check's verification.uploadUrl)`);
  lines.push(`  Console        ${config.publicUrl}/review`);
  if (config.devSecrets.reviewerJwtSecret) {
    const admin = await signReviewerToken(config.devSecrets.reviewerJwtSecret, { sub: 'dev-admin', role: 'admin', expiresIn: '12h' });
    lines.push(`  Reviewer token ${admin}`, '                 (role admin, 12 h; `npm run token -- <id> <role>` makes others)');
  }
  if (!config.mail.smtpUrl) lines.push(`  E-mail outbox  ${config.mail.outboxDir}   (set SMTP_URL to send for real)`);
  lines.push('', 'Try it:', `  curl -s -X POST ${config.publicUrl}/v1/checks -H "Authorization: Bearer ${config.devSecrets.serviceApiKey ?? '<key>'}" \\`,
    `       -H 'Content-Type: application/json' -d @examples/order-clean.json`, '', 'Ctrl-C stops everything.', '');
  process.stdout.write(lines.join('\n'));
}

/**
 * The start-up key check, here too, so a DOCUMENT_KEY that cannot read the data in DATA_DIR is
 * reported plainly before any process starts (the API and the worker check again, and record).
 */
async function checkKeys(config: Config): Promise<void> {
  const { client, connection } = await connectTemporalClient(config);
  try {
    mongoose.set('autoCreate', false); // read only: no collections made here
    mongoose.set('autoIndex', false);
    await mongoose.connect(config.mongodbUri!, { serverSelectionTimeoutMS: 10_000 });
    await checkDocumentKeys(config, client);
  } finally {
    await mongoose.disconnect();
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${(error as Error).message}\n`);
  process.exit(1);
});

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
import { canConnect } from '../stack/processes';
import { startService, type Service } from '../stack/services';
import { signReviewerToken } from '../api/reviewerAuth';

async function main(): Promise<void> {
  const config = loadConfig();
  const stack = await startStack({
    dataDir: config.dataDir,
    temporalAddress: config.temporal.address,
    mongodbUri: config.mongodbUri,
    // The UI decodes payloads through the API (for an admin: see the banner).
    uiCodecEndpoint: `${config.publicUrl}/codec`,
  });
  const env = { TEMPORAL_ADDRESS: stack.temporalAddress, MONGODB_URI: stack.mongodbUri, DATA_DIR: config.dataDir };
  // Metrics ports for operators (left off when taken: they are a convenience here, not a requirement).
  const workerOpsPort = await freeOrNone(config.worker.healthPort ?? DEV_WORKER_OPS_PORT);
  const apiMetricsPort = await freeOrNone(config.metricsPort ?? DEV_API_METRICS_PORT);
  const documentsOpsPort = process.env.WORKER_TASK_QUEUES ? undefined : await freeOrNone(DEV_DOCUMENTS_WORKER_OPS_PORT);
  const workerEnv = { ...env, ...(workerOpsPort ? { WORKER_HEALTH_PORT: String(workerOpsPort) } : {}) };
  const documentsWorkerEnv = { ...env, ...(documentsOpsPort ? { WORKER_HEALTH_PORT: String(documentsOpsPort) } : {}) };
  const uiOrigins = stack.temporalUiUrl ? [stack.temporalUiUrl, stack.temporalUiUrl.replace('//localhost:', '//127.0.0.1:')] : [];
  const apiEnv = {
    ...env,
    ...(apiMetricsPort ? { METRICS_PORT: String(apiMetricsPort) } : {}),
    TEMPORAL_UI_URL: [...new Set([...config.temporalUiOrigins, ...uiOrigins])].join(','),
  };
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
      services.push(await startService('worker', 'worker/main.ts', workerEnv, { logDir: stack.logDir, echo: true }));
    } else {
      const started = await Promise.allSettled([
        startService('worker', 'worker/main.ts', { ...workerEnv, WORKER_TASK_QUEUES: taskQueues.checks }, { logDir: stack.logDir, echo: true }),
        startService('documents-worker', 'worker/main.ts', { ...documentsWorkerEnv, WORKER_TASK_QUEUES: taskQueues.documents }, { logDir: stack.logDir, echo: true }),
      ]);
      for (const s of started) if (s.status === 'fulfilled') services.push(s.value); // stopped on failure, too
      for (const s of started) if (s.status === 'rejected') throw s.reason;
    }
    services.push(await startService('api', 'api/main.ts', apiEnv, { logDir: stack.logDir, echo: true }));
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
    ...(stack.temporalUiUrl
      ? [
          `                 (payloads decrypted: sign in at ${config.publicUrl}/codec with the reviewer token below, then in the`,
          `                 UI's Codec Server settings use your browser's setting, endpoint ${config.publicUrl}/codec,`,
          `                 with "Include cross-origin credentials" on)`,
        ]
      : []),
    `  Metrics        ${[workerOpsPort && `worker http://127.0.0.1:${workerOpsPort}/metrics`, documentsOpsPort && `documents worker http://127.0.0.1:${documentsOpsPort}/metrics`, apiMetricsPort && `API http://127.0.0.1:${apiMetricsPort}/metrics`].filter(Boolean).join(', ') || 'off (ports taken)'}`,
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

const DEV_WORKER_OPS_PORT = 9464;
const DEV_API_METRICS_PORT = 9465;
const DEV_DOCUMENTS_WORKER_OPS_PORT = 9466;

async function freeOrNone(port: number): Promise<number | undefined> {
  if (!(await canConnect(port))) return port;
  process.stderr.write(`port ${port} is taken: that metrics endpoint is off\n`);
  return undefined;
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

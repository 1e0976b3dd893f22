/**
 * The worker: runs check workflows and their activities on the `checks` task
 * queue, and document processing on `documents` (WORKER_TASK_QUEUES chooses;
 * one process can serve both). Several can run at once; Temporal spreads the work.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig } from '../config';
import { taskQueues } from '../workflows/names';
import { createActivities } from '../activities';
import { connectDatabase, disconnectDatabase } from '../models';
import { logger } from '../lib/logger';
import { dataConverter } from '../lib/payloadCodec';
import { checkDocumentKeys } from '../lib/documentKeys';
import { reportFatal } from '../lib/fatal';
import { workflowSource } from './workflowSource';
import { ensureSchedules } from './schedules';
import { SDK_METRIC_PREFIX, privateMetricsAddress, registerQueueGauges, startOperationsServer } from './metrics';

/**
 * How long a stopping worker lets running activities finish before cancelling them: below
 * compose's stop_grace_period (60 s), so the worker still reports the cancellations and
 * closes its connections before Docker's SIGKILL. Temporal retries what was cancelled.
 */
const SHUTDOWN_GRACE_TIME = '40s';
/** Then, activities that ignore the cancellation are abandoned (Temporal retries them elsewhere) and the process exits. */
const SHUTDOWN_FORCE_TIME = '50s';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  if (!config.mongodbUri) throw new Error('MONGODB_URI is not set');
  if (!config.worker.taskQueues.includes(taskQueues.checks)) yieldToDecisions();

  // With an operations port, the SDK's metrics go to a private exporter that /metrics reads.
  const sdkMetricsAddress = config.worker.healthPort !== undefined ? await privateMetricsAddress() : undefined;
  Runtime.install({
    logger: {
      log: (level, message, meta) => logger[level === 'WARN' ? 'warn' : level === 'ERROR' ? 'error' : 'debug']({ ...(meta ?? {}) }, message),
      trace: () => undefined,
      debug: () => undefined,
      info: (message, meta) => logger.debug({ ...(meta ?? {}) }, message),
      warn: (message, meta) => logger.warn({ ...(meta ?? {}) }, message),
      error: (message, meta) => logger.error({ ...(meta ?? {}) }, message),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(sdkMetricsAddress ? { metrics: { metricPrefix: SDK_METRIC_PREFIX, prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
    },
  });

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const converter = dataConverter(config.payloadKeys.keys, config.payloadKeys.current);
  // Before polling (and before any write): can this key ring read what the deployment holds?
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: converter });
  await connectDatabase(config.mongodbUri, { beforeWrites: async () => (await checkDocumentKeys(config, client)).record('worker') });
  const activities = createActivities(config);

  const workers: Worker[] = [];
  if (config.worker.taskQueues.includes(taskQueues.checks)) {
    workers.push(
      await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: taskQueues.checks,
        dataConverter: converter,
        ...workflowSource(),
        activities,
        maxCachedWorkflows: config.worker.maxCachedWorkflows,
        shutdownGraceTime: SHUTDOWN_GRACE_TIME,
        shutdownForceTime: SHUTDOWN_FORCE_TIME,
      }),
    );
    // The retention sweep and daily pass run from Schedules on this queue (created or updated here).
    await ensureSchedules(client, config);
  }

  if (config.worker.taskQueues.includes(taskQueues.documents)) {
    workers.push(
      await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: taskQueues.documents,
        dataConverter: converter,
        activities,
        // Image work is CPU- and memory-heavy: a few at a time per process; scale with processes.
        maxConcurrentActivityTaskExecutions: 4,
        shutdownGraceTime: SHUTDOWN_GRACE_TIME,
        shutdownForceTime: SHUTDOWN_FORCE_TIME,
      }),
    );
  }

  // The queue gauges once per deployment role: every checks worker reports the same read model.
  if (config.worker.taskQueues.includes(taskQueues.checks)) registerQueueGauges();
  const operations =
    config.worker.healthPort === undefined
      ? undefined
      : startOperationsServer({
          port: config.worker.healthPort,
          healthy: () => workers.every((w) => w.getState() === 'RUNNING'),
          sdkAddress: sdkMetricsAddress,
        });

  logger.info({ taskQueues: config.worker.taskQueues }, 'worker running');
  process.send?.({ ready: true });
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    operations?.close();
    await connection.close();
    await disconnectDatabase();
  }
}

/**
 * A worker that only does document work (sharp, pdf.js) gives way to decisions on a shared
 * machine: it lowers its CPU priority at start, so the checks worker, Temporal and the database
 * win when the cores are busy, and documents use what is left. Linux priorities are per thread
 * and inherited by new threads: every thread that already exists (V8's, libuv's pool that runs
 * sharp) is lowered, and those started later (libvips, Temporal's core, pdf.js) inherit it.
 * Lowering one's own priority needs no privilege.
 */
const DOCUMENTS_NICENESS = 10;
function yieldToDecisions(): void {
  try {
    let threads: number[] = [0]; // 0: the calling thread, where /proc is not there
    try {
      threads = readdirSync('/proc/self/task').map(Number);
    } catch {
      // not Linux
    }
    for (const tid of threads) os.setPriority(tid, Math.max(os.getPriority(tid), DOCUMENTS_NICENESS));
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'cannot lower the documents worker priority');
  }
}

main().catch((error) => {
  reportFatal('worker', error);
  process.exit(1);
});

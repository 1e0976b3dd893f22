/**
 * The floor worker (bench only): serves `floorWorkflow` on task queues of its own
 * against the same Temporal server as the checks — `bench-floor` with the
 * project's payload codec (part of what a check pays), `bench-floor-plain`
 * without, `bench-floor-modules` in a bundle with the check workflow's modules —
 * with the settings the check worker uses (one NativeConnection,
 * 2 000 cached workflows). Started by bench/lib.ts like the real worker; reports
 * readiness over IPC.
 */
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { dataConverter } from '../../lib/payloadCodec';
import { floorTaskQueues, type FloorActivities } from './workflow';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const activities: FloorActivities = { noop: async () => ({ ok: true }) };
  const common = {
    connection,
    namespace: config.temporal.namespace,
    workflowsPath: require.resolve('./workflow'),
    activities,
    maxCachedWorkflows: 2000,
  };
  const converter = dataConverter(config.payloadKeys.keys, config.payloadKeys.current);
  const workers = [
    await Worker.create({ ...common, taskQueue: floorTaskQueues.codec, dataConverter: converter }),
    await Worker.create({ ...common, taskQueue: floorTaskQueues.plain }),
    await Worker.create({ ...common, taskQueue: floorTaskQueues.modules, dataConverter: converter, workflowsPath: require.resolve('./withCheckModules') }),
  ];
  process.send?.({ ready: true });
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`floor worker failed: ${(error as Error).stack}\n`);
  process.exit(1);
});

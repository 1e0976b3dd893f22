/**
 * The floor of a worker's memory: the floor worker (bench/floor/worker.ts, the same SDK and
 * cache size as the checks worker) holding `n` open no-op workflows that sleep their
 * retention as an open check waits. What a cached workflow costs there is what the SDK
 * itself costs; bench:review prints it beside the checks worker's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { loadConfig } from '../../config';
import { connectTemporalClient } from '../../lib/temporal';
import { cleanOrder } from '../../test/fixtures/orders';
import { load, sleep, type Target } from '../lib';
import { memoryOf } from '../profile/cpu';
import { floorTaskQueues, floorUpdate, type FloorInput } from './workflow';

export interface FloorMemory {
  /** RSS in bytes before the workflows and with `cached` of them open in the cache. */
  atStart: number;
  withCache: number;
  cached: number;
}

/** `queue`: `modules` runs the floor workflow in a bundle that also holds the check workflow's modules. */
export async function floorWorkerMemory(target: Target, n: number, clients = 16, queue: keyof typeof floorTaskQueues = 'codec'): Promise<FloorMemory> {
  const worker = await target.restart('floor-worker');
  const config = loadConfig(target.env);
  const { client, connection } = await connectTemporalClient(config);
  try {
    await sleep(2000);
    const atStart = memoryOf(worker.pid).rss;
    await load(n, clients, async () => {
      const submissionId = randomUUID();
      const bodyHash = randomBytes(32).toString('hex');
      const input: FloorInput = { order: cleanOrder(), bodyHash, submissionId, retention: 'sleep', retentionMs: config.durations.retentionMs };
      const startWorkflowOperation = new WithStartWorkflowOperation('floorWorkflow', {
        workflowId: `bench-floor-memory/${randomUUID()}`,
        taskQueue: floorTaskQueues[queue],
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      const answer = await client.workflow.executeUpdateWithStart(floorUpdate, { args: [{ submissionId, bodyHash }], startWorkflowOperation });
      if (!answer.created) throw new Error('the floor workflow was not created');
    });
    await sleep(2000);
    return { atStart, withCache: memoryOf(worker.pid).rss, cached: n };
  } finally {
    await connection.close();
    await worker.stop();
  }
}

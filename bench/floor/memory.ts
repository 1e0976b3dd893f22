/**
 * The floor of a worker's memory: the floor worker (bench/floor/worker.ts, the same SDK and
 * cache size as the checks worker) holding `n` open no-op workflows that sleep their
 * retention as an open check waits. What a cached workflow costs there is what the SDK
 * itself costs; bench:review prints it beside the checks worker's.
 */
import { loadConfig } from '../../config';
import { connectTemporalClient } from '../../lib/temporal';
import { load, sleep, type Target } from '../lib';
import { memoryOf } from '../profile/cpu';
import { floorTaskQueues } from './workflow';
import { callFloor } from './call';

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
      await callFloor(client, { taskQueue: floorTaskQueues[queue], idPrefix: 'bench-floor-memory', retention: 'sleep', retentionMs: config.durations.retentionMs });
    });
    await sleep(2000);
    return { atStart, withCache: memoryOf(worker.pid).rss, cached: n };
  } finally {
    await connection.close();
    await worker.stop();
  }
}

/**
 * The floor of claim + decision (issue 12), in bench:review's run: the floor worker holding
 * `n` open `floorCaseWorkflow`s, and `clients` concurrent callers each sending one of them two
 * updates in turn, as a reviewer claims and then approves a case. Straight to Temporal (no
 * HTTP, no database): what Temporal itself costs for a case on this machine.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../config';
import { connectTemporalClient } from '../../lib/temporal';
import { load, sleep, type Target } from '../lib';
import { cpuDelta, cpuSnapshot, perUnit, type Role } from '../profile/cpu';
import { floorStepUpdate, floorTaskQueues } from './workflow';

export interface FloorReview {
  /** Claim + decision (two updates) per case, ms. */
  latencies: number[];
  casesPerSecond: number;
  /** CPU per case by process, ms. */
  cpuMsPerCase: Map<Role, number>;
}

export async function floorReview(target: Target, n: number, clients: number): Promise<FloorReview> {
  const worker = await target.restart('floor-worker');
  const { client, connection } = await connectTemporalClient(loadConfig(target.env));
  try {
    const ids = Array.from({ length: n }, () => `bench-floor-case/${randomUUID()}`);
    await load(n, 16, async (i) => {
      await client.workflow.start('floorCaseWorkflow', { workflowId: ids[i], taskQueue: floorTaskQueues.codec, args: [] });
    });
    await sleep(2000); // each case's first task done: it is in the worker's cache, as an open check is
    const before = cpuSnapshot();
    const started = performance.now();
    const run = await load(n, clients, async (i) => {
      const handle = client.workflow.getHandle(ids[i]);
      await handle.executeUpdate(floorStepUpdate, { args: ['claim'] });
      await handle.executeUpdate(floorStepUpdate, { args: ['approve'] });
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuDelta(before, cpuSnapshot());
    return {
      latencies: run.latencies,
      casesPerSecond: n / seconds,
      cpuMsPerCase: perUnit(cpu.byRole, n),
    };
  } finally {
    await connection.close();
    await worker.stop();
  }
}

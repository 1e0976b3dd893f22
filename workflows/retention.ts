/**
 * The retention passes (activities/retention.ts), each run by a Temporal
 * Schedule that the checks worker creates (worker/schedules.ts): the sweep of
 * due retention entries, every RETENTION_SWEEP_INTERVAL, and the daily pass
 * over the read model's final checks. Neither keeps state between runs.
 */
import * as wf from '@temporalio/workflow';
import type { CheckActivities } from '../activities';

/** How many sweep batches one run takes at most (a run after an outage catches up over a few runs). */
const MAX_SWEEP_BATCHES = 25;

/**
 * A sweep batch heartbeats as it goes: a worker killed in the middle of one is noticed within
 * the heartbeat timeout and the batch runs again elsewhere. (Without it, the lost batch held
 * its run open until the start-to-close timeout, and the Schedule, which skips a run while the
 * previous one is open, purged nothing for that long.)
 */
const sweep = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
});

const scan = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '6h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '10s', maximumInterval: '10m', maximumAttempts: 5 },
});

export async function retentionSweepWorkflow(): Promise<{ purged: number }> {
  let purged = 0;
  for (let batch = 0; batch < MAX_SWEEP_BATCHES; batch++) {
    const result = await sweep.purgeDueChecks();
    purged += result.purged;
    if (!result.more) break;
  }
  return { purged };
}

export async function retentionDailyPassWorkflow(): Promise<{ scanned: number; purged: number }> {
  return scan.purgeForgottenChecks();
}

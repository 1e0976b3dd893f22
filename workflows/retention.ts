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

const sweep = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '5m',
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

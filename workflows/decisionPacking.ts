/**
 * The decision-packing pass (activities/decisionPacks.ts), run every hour by a Temporal
 * Schedule that the checks worker creates (worker/schedules.ts): packs the decision records
 * of each finished day so that backtests and rule statistics read a few documents per day.
 */
import * as wf from '@temporalio/workflow';
import type { CheckActivities } from '../activities';

const pack = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '10s', maximumInterval: '10m', maximumAttempts: 5 },
});

export async function decisionPackingWorkflow(): Promise<{ days: number; packed: number; records: number }> {
  return pack.sealFinishedDecisionDays();
}

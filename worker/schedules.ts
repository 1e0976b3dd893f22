/**
 * The Temporal Schedules a checks worker makes sure of at start (idempotent:
 * created once, updated to this worker's settings when they exist): the
 * retention sweep and the daily retention pass (workflows/retention.ts).
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../config';
import type { Workflow } from '@temporalio/common';
import { taskQueues } from '../workflows/names';
import { retentionDailyPassWorkflow, retentionSweepWorkflow } from '../workflows/retention';

export const retentionSchedules = {
  sweep: 'retention-sweep',
  daily: 'retention-daily-pass',
} as const;

interface Plan {
  scheduleId: string;
  spec: ScheduleSpec;
  action: ScheduleOptionsAction;
}

export function retentionPlans(config: Config): Plan[] {
  const start = (workflowType: Workflow, workflowId: string): ScheduleOptionsAction => ({
    type: 'startWorkflow',
    workflowType,
    workflowId,
    taskQueue: taskQueues.checks,
    args: [],
  });
  return [
    {
      scheduleId: retentionSchedules.sweep,
      spec: { intervals: [{ every: config.worker.retentionSweepIntervalMs }] },
      action: start(retentionSweepWorkflow, 'retention-sweep'),
    },
    {
      scheduleId: retentionSchedules.daily,
      spec: { intervals: [{ every: '1 day' }] },
      action: start(retentionDailyPassWorkflow, 'retention-daily-pass'),
    },
  ];
}

export async function ensureSchedules(client: Client, config: Config): Promise<void> {
  for (const plan of retentionPlans(config)) {
    // A pass that overlaps the previous one is skipped; after downtime one run catches up, not one per missed interval.
    const policies = { overlap: 'SKIP' as const, catchupWindow: 60_000 };
    try {
      await client.schedule.create({ scheduleId: plan.scheduleId, spec: plan.spec, action: plan.action, policies });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(plan.scheduleId).update((previous) => ({ ...previous, spec: plan.spec, action: plan.action, policies }));
    }
  }
}

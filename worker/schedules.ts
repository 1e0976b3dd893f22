/**
 * The Temporal Schedules a checks worker makes sure of at start (idempotent:
 * created once, updated to this worker's settings when they exist): the
 * retention sweep and the daily retention pass (workflows/retention.ts), and the
 * hourly packing of finished days' decision records (workflows/decisionPacking.ts).
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../config';
import type { Duration, Workflow } from '@temporalio/common';
import { taskQueues } from '../workflows/names';
import { retentionDailyPassWorkflow, retentionSweepWorkflow } from '../workflows/retention';
import { decisionPackingWorkflow } from '../workflows/decisionPacking';

export const retentionSchedules = {
  sweep: 'retention-sweep',
  daily: 'retention-daily-pass',
} as const;

export const decisionPackingSchedule = 'decision-packing';

interface Plan {
  scheduleId: string;
  spec: ScheduleSpec;
  action: ScheduleOptionsAction;
}

export function schedulePlans(config: Config): Plan[] {
  // A run is ended after `runsFor` whatever holds it: the Schedule skips a run while the previous one
  // is open, so a run that cannot finish must not stop every later one.
  const start = (workflowType: Workflow, workflowId: string, runsFor: Duration): ScheduleOptionsAction => ({
    type: 'startWorkflow',
    workflowType,
    workflowId,
    taskQueue: taskQueues.checks,
    args: [],
    workflowExecutionTimeout: runsFor,
  });
  return [
    {
      scheduleId: retentionSchedules.sweep,
      spec: { intervals: [{ every: config.worker.retentionSweepIntervalMs }] },
      action: start(retentionSweepWorkflow, 'retention-sweep', '30m'),
    },
    {
      scheduleId: retentionSchedules.daily,
      spec: { intervals: [{ every: '1 day' }] },
      action: start(retentionDailyPassWorkflow, 'retention-daily-pass', '23h'),
    },
    {
      scheduleId: decisionPackingSchedule,
      spec: { intervals: [{ every: '1 hour' }] },
      action: start(decisionPackingWorkflow, 'decision-packing', '2h'),
    },
  ];
}

export async function ensureSchedules(client: Client, config: Config): Promise<void> {
  for (const plan of schedulePlans(config)) {
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

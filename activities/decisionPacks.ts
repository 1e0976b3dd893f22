/**
 * The packing pass over finished days' decision records (app/decisionPacks.ts), run by a
 * Temporal Schedule (workflows/decisionPacking.ts). Idempotent: a sealed day is left alone.
 */
import { Context } from '@temporalio/activity';
import { sealFinishedDays } from '../app/decisionPacks';

export function createDecisionPackActivities() {
  return {
    async sealFinishedDecisionDays(): Promise<{ days: number; records: number }> {
      // A heartbeat per day: a worker killed in the middle is noticed and the pass runs again elsewhere.
      const { sealed } = await sealFinishedDays(Date.now(), () => Context.current().heartbeat());
      return { days: sealed.length, records: sealed.reduce((n, d) => n + d.records, 0) };
    },
  };
}

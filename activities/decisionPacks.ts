/**
 * The packing pass over finished days' decision records (app/decisionPacks.ts), run by a
 * Temporal Schedule (workflows/decisionPacking.ts). Idempotent: a sealed day is left alone.
 */
import { Context } from '@temporalio/activity';
import { sealFinishedDays } from '../app/decisionPacks';

export function createDecisionPackActivities() {
  return {
    /** `days`: days sealed (a new deployment seals its empty past once); `packed`: those that had records. */
    async sealFinishedDecisionDays(): Promise<{ days: number; packed: number; records: number }> {
      // A heartbeat per day: a worker killed in the middle is noticed and the pass runs again elsewhere.
      const { sealed } = await sealFinishedDays(Date.now(), () => Context.current().heartbeat());
      return { days: sealed.length, packed: sealed.filter((d) => d.records > 0).length, records: sealed.reduce((n, d) => n + d.records, 0) };
    },
  };
}

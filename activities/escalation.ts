/**
 * An escalated case nobody decided within ESCALATION_SLA: the workflow flags it
 * (state, read model, queue entry, a `check.escalation_overdue` webhook) and
 * calls this once per breach, for operators: a warning in the log and a counter
 * in the worker's own registry, ready for the worker's /metrics (not served yet).
 */
import { Counter, Registry } from 'prom-client';
import { logger } from '../lib/logger';

/** The worker process's metrics (a registry of its own: the API's /metrics is another process). */
export const workerMetrics = new Registry();

export const escalationsOverdue = new Counter({
  name: 'escalations_overdue_total',
  help: 'Escalated cases flagged overdue because no senior decided them within ESCALATION_SLA',
  registers: [workerMetrics],
});

export function createEscalationActivities() {
  return {
    async escalationOverdue(input: { checkId: string; escalatedAt: string; dueAt: string }): Promise<void> {
      escalationsOverdue.inc();
      logger.warn(input, 'escalated case overdue: no senior decision within ESCALATION_SLA');
    },
  };
}

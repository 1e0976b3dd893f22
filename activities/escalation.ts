/**
 * An escalated case nobody decided within ESCALATION_SLA: the workflow flags it
 * (state, read model, queue entry, a `check.escalation_overdue` webhook) and
 * calls this once per breach, for operators: a warning in the log and a count on
 * the worker's /metrics (`fraud_sla_breaches_total{sla="escalation"}`, lib/metrics.ts).
 */
import { logger } from '../lib/logger';
import { slaBreaches } from '../lib/metrics';

export function createEscalationActivities() {
  return {
    async escalationOverdue(input: { checkId: string; escalatedAt: string; dueAt: string }): Promise<void> {
      slaBreaches.inc({ sla: 'escalation' });
      logger.warn(input, 'escalated case overdue: no senior decision within ESCALATION_SLA');
    },
  };
}

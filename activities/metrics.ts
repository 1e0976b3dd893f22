/**
 * Business metrics from the activities' own results (lib/metrics.ts): each
 * observed activity is wrapped once, where the worker builds its activities
 * (activities/index.ts), so no activity module carries metric code and the
 * workflow stays untouched (its code must stay deterministic). What is counted:
 *
 * - `decide` → the engine's decision, by action and band;
 * - `auditEvent`, `auditEvents` → reviewers' decisions (`decision.<action>` entries) and SLA
 *   escalations (the `sla_escalated` transition): every transition and decision
 *   of a check is audited through it;
 * - `processDocument` → documents by status and reason;
 * - `deliverWebhook`, `redeliverWebhook` → each failed attempt, by its failure type;
 * - `purgeDueChecks`, `purgeForgottenChecks` (retention Schedules), `purgeCheck` → purges;
 * - `escalationOverdue` counts itself (activities/escalation.ts).
 */
import type { Decision } from './scoring';
import type { AuditEventInput } from './audit';
import type { ProcessResult } from './documents';
import { decisions, documentsProcessed, retentionPurges, reviewDecisions, slaBreaches, webhookFailures } from '../lib/metrics';

interface Observer {
  done?(result: unknown, input: unknown): void;
  failed?(error: unknown, input: unknown): void;
}

const observers: Record<string, Observer> = {
  decide: {
    done: (result) => {
      const { risk } = (result as Decision).check;
      decisions.inc({ action: risk.action, band: risk.band });
    },
  },
  auditEvent: { done: (_result, input) => countAudited(input as AuditEventInput) },
  auditEvents: { done: (_result, inputs) => (inputs as AuditEventInput[]).forEach(countAudited) },
  processDocument: {
    done: (result) => {
      const { status, reason } = result as ProcessResult;
      documentsProcessed.inc({ status, reason: reason ?? 'none' });
    },
  },
  deliverWebhook: { failed: countWebhookFailure },
  redeliverWebhook: { failed: countWebhookFailure },
  // Retention purges: the Schedules' sweep and daily pass, and a purge by an older check workflow's own timer.
  purgeDueChecks: { done: (result) => retentionPurges.inc({ by: 'sweep' }, (result as { purged: number }).purged) },
  purgeForgottenChecks: { done: (result) => retentionPurges.inc({ by: 'daily_pass' }, (result as { purged: number }).purged) },
  purgeCheck: { done: () => retentionPurges.inc({ by: 'workflow' }) },
};

function countAudited({ action, actor, detail }: AuditEventInput): void {
  if (action.startsWith('decision.') && actor.type === 'reviewer') {
    reviewDecisions.inc({ action: action.slice('decision.'.length), role: String(actor.role ?? 'unknown') });
  } else if (action === 'status.changed' && detail.event === 'sla_escalated') {
    slaBreaches.inc({ sla: 'review' });
  }
}

function countWebhookFailure(error: unknown): void {
  const type = (error as { type?: unknown }).type;
  webhookFailures.inc({ reason: typeof type === 'string' && /^[a-z_]{1,40}$/.test(type) ? type : 'error' });
}

type AsyncFunction = (...args: never[]) => Promise<unknown>;

/** The same activities, those with an observer wrapped; a metric never changes an activity's result or error. */
export function instrumentActivities<T extends Record<string, AsyncFunction>>(activities: T): T {
  const wrapped: Record<string, AsyncFunction> = { ...activities };
  for (const [name, observer] of Object.entries(observers)) {
    const activity = activities[name];
    if (!activity) continue;
    wrapped[name] = async (...args: never[]) => {
      let result: unknown;
      try {
        result = await activity(...args);
      } catch (error) {
        safely(() => observer.failed?.(error, args[0]));
        throw error;
      }
      safely(() => observer.done?.(result, args[0]));
      return result;
    };
  }
  return wrapped as T;
}

function safely(count: () => void): void {
  try {
    count();
  } catch {
    // A label that does not fit is a lost sample, never a failed activity.
  }
}

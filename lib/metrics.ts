/**
 * The worker's business metrics (Prometheus, through prom-client): what the
 * checks did, counted where the activities that do it finish
 * (activities/metrics.ts). The worker serves them with Temporal's own SDK
 * metrics on one `/metrics` (worker/metrics.ts). Every name starts with
 * `fraud_`. Labels take values from small fixed sets (actions, bands, roles,
 * statuses, reason codes), never ids.
 *
 * Counters count completed activity executions: an activity that did its work
 * and then failed to report it (a worker killed at that moment) runs again and
 * is counted again. Good enough for rates and alerts; the audit trail is the
 * exact record.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'fraud_';

/** One registry per process (the worker's); the API has its own (api/metrics.ts). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

export const decisions = new Counter({
  name: 'fraud_decisions_total',
  help: "The engine's first decisions on checks, by action (approve, verify, review, block) and risk band",
  labelNames: ['action', 'band'],
  registers: [registry],
});

export const reviewDecisions = new Counter({
  name: 'fraud_review_decisions_total',
  help: "Reviewers' decisions, by action (approve, reject, request_documents, escalate, report) and the reviewer's role",
  labelNames: ['action', 'role'],
  registers: [registry],
});

export const documentsProcessed = new Counter({
  name: 'fraud_documents_processed_total',
  help: 'Documents processed, by outcome (accepted, rejected) and reason (a rejection code; none when accepted)',
  labelNames: ['status', 'reason'],
  registers: [registry],
});

export const slaBreaches = new Counter({
  name: 'fraud_sla_breaches_total',
  help: 'SLA breaches, by SLA: review (a case escalated because nobody decided it within REVIEW_SLA), escalation (an escalated case flagged overdue after ESCALATION_SLA)',
  labelNames: ['sla'],
  registers: [registry],
});

export const webhookFailures = new Counter({
  name: 'fraud_webhook_failures_total',
  help: 'Failed webhook delivery attempts (each is retried), by reason (webhook_unreachable, webhook_rejected, error)',
  labelNames: ['reason'],
  registers: [registry],
});

export const retentionPurges = new Counter({
  name: 'fraud_retention_purges_total',
  help: "Checks whose customer data was purged at the end of the retention period, by what purged it (sweep, daily_pass, workflow: a check workflow's own timer from before the sweep)",
  labelNames: ['by'],
  registers: [registry],
});

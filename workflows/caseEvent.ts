/**
 * A webhook event about a check that is not one of its transitions and may come
 * after its workflow completed (a case file made for a recipient): delivered by
 * a workflow of its own, `case-event/<id>`, with the same retries as the check's
 * own events (at least once, for up to three days, `id` stable). Nothing here
 * writes the check: the one writer of a check stays its own workflow.
 */
import * as wf from '@temporalio/workflow';
import type { CheckActivities } from '../activities';
import type { CheckState, WebhookEventType } from '../domain/check';

const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

export interface CaseEventInput {
  eventId: string;
  type: WebhookEventType;
  createdAt: string;
  check: CheckState;
  extra?: Record<string, unknown>;
}

export async function caseEventWorkflow(input: CaseEventInput): Promise<void> {
  await delivery.deliverWebhook(input);
}

/**
 * One short workflow per outcome (`outcome/<outcomeId>`, app/outcomes.ts): store the
 * record and its marks, then deliver the `check.outcome_recorded` webhook. The
 * check's own workflow is not involved (it may have completed long ago); this one
 * makes both steps durable once the API has started it.
 */
import * as wf from '@temporalio/workflow';
import type { CheckActivities } from '../activities';
import type { OutcomeInput } from '../app/outcomes';

const store = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/** Like the check's webhooks: at least once, with backoff, for up to three days. */
const delivery = wf.proxyActivities<CheckActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m' },
});

export async function outcomeWorkflow(input: OutcomeInput): Promise<void> {
  await store.storeOutcome(input);
  try {
    await delivery.deliverOutcomeWebhook({ outcomeId: input.outcomeId });
  } catch {
    // Given up after three days of retries: the failure stays in history; the outcome is recorded.
  }
}

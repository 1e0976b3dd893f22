/**
 * The outcome workflow's activities (workflows/outcome.ts): store the outcome and
 * its marks (app/outcomes.ts, idempotent), and deliver its webhook — the stored
 * record, whichever of the API and this workflow wrote it first.
 *
 * Event: `{ id: <outcomeId>, type: "check.outcome_recorded", createdAt, data: { checkId, orderId, outcome } }`,
 * signed like every event; no `sequence` (that counts the check's own events, and
 * the check's workflow, its one writer, may be long gone).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { storeOutcome, presentOutcome, type OutcomeInput } from '../app/outcomes';
import { OutcomeModel, type OutcomeRecord } from '../models/outcome';
import { postSigned } from './webhooks';

export const outcomeEventType = 'check.outcome_recorded';

export function createOutcomeActivities(secret: Buffer, webhook: { url: string; secret: string } | undefined) {
  return {
    async storeOutcome(input: OutcomeInput): Promise<void> {
      await storeOutcome(secret, input);
    },

    async deliverOutcomeWebhook({ outcomeId }: { outcomeId: string }): Promise<void> {
      if (!webhook) return;
      const record = await OutcomeModel.findById(outcomeId).lean<OutcomeRecord>();
      if (!record) throw ApplicationFailure.nonRetryable(`outcome ${outcomeId} is not stored`, 'outcome_missing');
      const outcome = presentOutcome(record);
      const body = JSON.stringify({
        id: outcomeId,
        type: outcomeEventType,
        createdAt: outcome.createdAt,
        data: { checkId: outcome.checkId, orderId: outcome.orderId, outcome },
      });
      await postSigned(webhook, body);
    },
  };
}

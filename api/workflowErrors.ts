/**
 * The one place where a check workflow's refusals (validator failures of its
 * Updates, by ApplicationFailure type) become the API's error answers.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { failureTypes } from '../workflows/messages';
import { ApiError } from './errors';

const answers: Record<string, [number, string]> = {
  [failureTypes.orderConflict]: [409, 'order_conflict'],
  [failureTypes.invalidState]: [409, 'invalid_state'],
  [failureTypes.alreadyClaimed]: [409, 'already_claimed'],
  [failureTypes.claimRequired]: [409, 'claim_required'],
  [failureTypes.forbidden]: [403, 'forbidden'],
  [failureTypes.invalidRequest]: [400, 'invalid_request'],
};

/** The ApiError for a workflow's refusal, or the error itself when it is something else. */
export function fromWorkflowRefusal(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause as { type?: string; message?: string } | undefined;
    const answer = cause?.type ? answers[cause.type] : undefined;
    if (answer) return new ApiError(answer[0], answer[1], cause?.message ?? answer[1]);
  }
  return error;
}

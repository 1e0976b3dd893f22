/**
 * The one place where a check workflow's refusals (validator failures of its
 * Updates, by ApplicationFailure type) become the API's error answers, and
 * where Temporal being out of reach becomes a 503 to retry rather than a 500.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
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

/** gRPC codes that say "not now" rather than "no": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE. */
const temporaryGrpcCodes = new Set([4, 8, 14]);
const RETRY_AFTER_SECONDS = 5;

/** gRPC FAILED_PRECONDITION: Temporal refuses an Update while the workflow's last workflow task failed. */
const FAILED_PRECONDITION = 9;
/**
 * The workflow cannot take messages until one of its workflow tasks succeeds (a worker that
 * cannot run it yet: a deployment in progress, a key it cannot read, a bug being fixed); the
 * request itself is fine and the same one will succeed later. Temporal says so only in the message.
 */
const WORKFLOW_TASK_FAILING = /workflow task in failed state/i;

/**
 * Temporal could not be reached, was overloaded, the Update call ran out of time (the Update
 * itself may still happen), or the workflow's task is failing for now.
 */
function isTemporarilyUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (cause instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(cause) && temporaryGrpcCodes.has(cause.code)) return true;
    if (isGrpcServiceError(cause) && cause.code === FAILED_PRECONDITION && WORKFLOW_TASK_FAILING.test(cause.details ?? cause.message)) return true;
    if (WORKFLOW_TASK_FAILING.test(cause.message)) return true;
  }
  return false;
}

/** The ApiError for a workflow's refusal or for Temporal out of reach, or the error itself when it is something else. */
export function fromWorkflowRefusal(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause as { type?: string; message?: string } | undefined;
    const answer = cause?.type ? answers[cause.type] : undefined;
    if (answer) return new ApiError(answer[0], answer[1], cause?.message ?? answer[1]);
  }
  if (isTemporarilyUnavailable(error)) {
    return new ApiError(503, 'temporarily_unavailable', 'the service is busy or restarting; retry the same request shortly', { retryAfterSeconds: RETRY_AFTER_SECONDS });
  }
  return error;
}

/**
 * The messages a check workflow takes: every change to a check goes through one
 * of these, and the workflow applies them one at a time (one writer per check).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, CheckState } from '../domain/check';

export interface SubmitRequest {
  /** Unique per API call: tells the call that created the workflow from those that joined it. */
  submissionId: string;
  /** SHA-256 of the canonical order body; a different body for the same order is a conflict. */
  bodyHash: string;
}

export interface SubmitResult {
  created: boolean;
  check: CheckState;
}

export interface CancelRequest {
  reason: string;
  actor: Actor;
}

/** Error types the API maps to HTTP answers (ApplicationFailure.type). */
export const failureTypes = {
  orderConflict: 'order_conflict',
  invalidState: 'invalid_state',
} as const;

export const submitUpdate = defineUpdate<SubmitResult, [SubmitRequest]>('submit');
export const cancelUpdate = defineUpdate<CheckState, [CancelRequest]>('cancel');
export const stateQuery = defineQuery<CheckState>('state');

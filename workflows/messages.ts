/**
 * The messages a check workflow takes: every change to a check goes through one
 * of these, and the workflow applies them one at a time (one writer per check).
 * Updates answer their caller; validators refuse impossible requests before
 * anything is recorded.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, CheckState, Claim, DocumentState, DuplicateMatch, ReviewAction } from '../domain/check';
import type { DocumentKind } from '../domain/order';
import type { ListType } from '../domain/lists';
import type { RefusalCode } from '../domain/errors';

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

export interface DocumentReceived {
  documentId: string;
  kind: DocumentKind;
  /** The verification round of the token it was uploaded with. */
  round: number;
  uploadedAt: string;
}

export interface ClaimRequest {
  reviewerId: string;
  role: string;
}

export interface DecisionRequest {
  action: ReviewAction;
  reason: string;
  requested?: DocumentKind[];
  /** With `reject`: the order's values of these types go on the block list (API.md, "Lists"). */
  block?: ListType[];
  reviewerId: string;
  role: string;
}

/** A reviewer rejects one document with a reason the customer sees, and asks for that one again. */
export interface DocumentDecisionRequest {
  documentId: string;
  reason: string;
  reviewerId: string;
  role: string;
}

export interface DuplicateNotice {
  /** This check's document that another check's upload matched. */
  documentId: string;
  match: DuplicateMatch;
}

/** ApplicationFailure types of the validators: refusal codes (domain/errors.ts), which the API maps to HTTP statuses. */
export const failureTypes = {
  orderConflict: 'order_conflict',
  invalidState: 'invalid_state',
  alreadyClaimed: 'already_claimed',
  claimRequired: 'claim_required',
  forbidden: 'forbidden',
  invalidRequest: 'invalid_request',
} as const satisfies Record<string, RefusalCode>;

export const submitUpdate = defineUpdate<SubmitResult, [SubmitRequest]>('submit');
export const cancelUpdate = defineUpdate<CheckState, [CancelRequest]>('cancel');
export const documentReceivedUpdate = defineUpdate<DocumentState, [DocumentReceived]>('documentReceived');
export const claimUpdate = defineUpdate<Claim, [ClaimRequest]>('claim');
export const decideUpdate = defineUpdate<CheckState, [DecisionRequest]>('decide');
export const rejectDocumentUpdate = defineUpdate<CheckState, [DocumentDecisionRequest]>('rejectDocument');
export const duplicateSignal = defineSignal<[DuplicateNotice]>('duplicateFound');
export const stateQuery = defineQuery<CheckState>('state');

/**
 * Per-document decisions: a reviewer rejects one accepted document with a reason
 * the customer sees on the upload page, and the check asks for just that one
 * again (a new verification round for its kind; the upload of it brings the case
 * back to review). The check's workflow applies it (`rejectDocument` update), so
 * its validator refuses what cannot be done before anything is recorded.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { isFinal } from '../domain/check';
import { workflowIdFor } from '../workflows/names';
import { CheckModel } from '../models';
import { rejectDocumentUpdate } from '../workflows/messages';
import { refuse } from '../domain/errors';
import type { Reviewer } from './review';
import { fromWorkflowRefusal } from './workflowRefusals';

export const documentDecisionSchema = z.object({
  action: z.literal('reject'),
  reason: z.string().trim().min(1, 'a reason is required (the customer sees it)').max(500),
});

export async function rejectDocument(temporal: Client, checkId: string, documentId: string, reason: string, reviewer: Reviewer): Promise<{ checkId: string; documentId: string; status: string; round: number | null }> {
  const record = await CheckModel.findById(checkId, { orderId: 1, status: 1 }).lean();
  if (!record) throw refuse.notFound(`case ${checkId}`);
  if (isFinal(record.status)) throw refuse.invalidState(`the case already ended ${record.status}`);
  try {
    const state = await temporal.workflow
      .getHandle(workflowIdFor(record.orderId))
      .executeUpdate(rejectDocumentUpdate, { args: [{ documentId, reason, reviewerId: reviewer.id, role: reviewer.role }] });
    return { checkId, documentId, status: state.status, round: state.verification?.round ?? null };
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw refuse.unavailable('the case is busy; retry the same request');
    throw fromWorkflowRefusal(error);
  }
}

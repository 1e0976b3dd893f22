/**
 * Where the API reads a check. A final check is read from the read model: its
 * workflow completes once its deliveries are done (a query to a closed
 * workflow replays it on a worker — slow — and an update fails), and a final
 * status never changes. An open check is read live from its workflow, with the
 * read model as the fallback when Temporal cannot answer.
 */
import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { isFinal, type CheckState } from '../domain/check';
import { CheckModel } from '../models';
import { checkStateFromRecord } from '../models/check';
import { workflowIdFor } from '../workflows/names';
import { stateQuery } from '../workflows/messages';

export function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  return isGrpcServiceError(error) && error.code === 5; // NOT_FOUND
}

/** The check of an order: stored when final, live while open; undefined for an unknown order. */
export async function currentCheck(temporal: Client, orderId: string): Promise<CheckState | undefined> {
  const record = await CheckModel.findOne({ orderId }).lean();
  if (record && isFinal(record.status)) return checkStateFromRecord(record);
  try {
    return await temporal.workflow.getHandle(workflowIdFor(orderId)).query(stateQuery);
  } catch (error) {
    if (record) return checkStateFromRecord(record);
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

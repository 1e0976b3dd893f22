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

/**
 * How long a live read waits for the check's workflow. A query is answered by a checks worker
 * from its cache in milliseconds; with no checks worker running, Temporal would hold it for
 * tens of seconds.
 */
export const LIVE_READ_TIMEOUT_MS = 10_000;

/** The check's workflow did not answer (no checks worker running, Temporal out of reach): try again shortly. */
export class CheckUnavailable extends Error {
  override readonly name = 'CheckUnavailable';
}

/**
 * The check of an order: stored when final, live while open; undefined for an unknown order.
 * When the workflow cannot answer, an open check is read from the read model — unless `live`
 * is asked (the caller is about to act on it: an upload), which throws CheckUnavailable.
 */
export async function currentCheck(temporal: Client, orderId: string, { live = false } = {}): Promise<CheckState | undefined> {
  const record = await CheckModel.findOne({ orderId }).lean();
  if (record && isFinal(record.status)) return checkStateFromRecord(record);
  try {
    return await temporal.withDeadline(Date.now() + LIVE_READ_TIMEOUT_MS, () => temporal.workflow.getHandle(workflowIdFor(orderId)).query(stateQuery));
  } catch (error) {
    if (isNotFound(error)) return record ? checkStateFromRecord(record) : undefined;
    if (record && !live) return checkStateFromRecord(record);
    throw new CheckUnavailable(`the check of order ${orderId} did not answer: ${(error as Error).message}`, { cause: error });
  }
}

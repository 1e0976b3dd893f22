/**
 * The order pipeline's use cases: submit an order for a check, read a check,
 * cancel it (`/openapi.json`). A check changes only
 * through its workflow (Update-with-Start, updates); a final check — whose
 * workflow may have completed — is answered from the read model.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { isFinal, type Actor, type CheckState } from '../domain/check';
import { refuse } from '../domain/errors';
import type { Order } from '../domain/order';
import { canonicalJson, sha256Hex } from '../lib/crypto';
import { taskQueues, workflowIdFor } from '../workflows/names';
import { checkWorkflow, type CheckWorkflowInput } from '../workflows/check';
import { cancelUpdate, stateQuery, submitUpdate } from '../workflows/messages';
import { readModel } from './readModel';
import { fromWorkflowRefusal, isNotFound } from './workflowRefusals';

/** How long a caller waits for a decision before a retryable refusal (the check goes on; a retry returns it). */
const DECISION_TIMEOUT_MS = 15_000;

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
 * The check of an order: stored when final, live from its workflow while open; undefined for an unknown order.
 * When the workflow cannot answer, an open check is read from the read model — unless `live`
 * is asked (the caller is about to act on it: an upload), which throws CheckUnavailable.
 */
export async function currentCheck(temporal: Client, orderId: string, { live = false } = {}): Promise<CheckState | undefined> {
  const stored = await readModel.checkByOrder(orderId);
  if (stored && isFinal(stored.state.status)) return stored.state;
  try {
    return await temporal.withDeadline(Date.now() + LIVE_READ_TIMEOUT_MS, () => temporal.workflow.getHandle(workflowIdFor(orderId)).query(stateQuery));
  } catch (error) {
    if (isNotFound(error)) return stored ? stored.state : undefined;
    if (stored && !live) return stored.state;
    throw new CheckUnavailable(`the check of order ${orderId} did not answer: ${(error as Error).message}`, { cause: error });
  }
}

export function checksService(config: Config, temporal: Client) {
  return {
    /** Scores the order (or joins its check): `created` tells the call that made it. */
    async submit(order: Order): Promise<{ created: boolean; check: CheckState }> {
      const bodyHash = sha256Hex(canonicalJson(order));
      const submissionId = randomUUID();
      const input: CheckWorkflowInput = {
        checkId: `chk_${randomBytes(12).toString('base64url')}`,
        order,
        bodyHash,
        submissionId,
        durations: config.durations,
      };
      const startWorkflowOperation = new WithStartWorkflowOperation(checkWorkflow, {
        workflowId: workflowIdFor(order.orderId),
        taskQueue: taskQueues.checks,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A completed check's workflow is never started again for the same order (the read model answers).
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      try {
        return await withTimeout(temporal.workflow.executeUpdateWithStart(submitUpdate, { args: [{ submissionId, bodyHash }], startWorkflowOperation }));
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          // The order's workflow has completed: its check is final, and the read model has it.
          const stored = await readModel.checkByOrder(order.orderId);
          if (stored) {
            if (stored.bodyHash !== undefined && stored.bodyHash !== bodyHash) {
              throw refuse.orderConflict(`order ${order.orderId} was already submitted with a different body`);
            }
            return { created: false, check: stored.state };
          }
        }
        throw asRefusal(error);
      }
    },

    async get(orderId: string): Promise<CheckState> {
      const state = await currentCheck(temporal, orderId).catch((error: unknown) => {
        // Not in the read model yet and its workflow cannot answer now: retry, not a 500.
        if (error instanceof CheckUnavailable) throw refuse.unavailable('the check cannot be read right now; retry shortly', 5);
        throw error;
      });
      if (!state) throw refuse.notFound(`check for order ${orderId}`);
      return state;
    },

    /** Cancels an open check; a check cancelled already answers as it is, one that ended otherwise is refused. */
    async cancel(orderId: string, reason: string, actor: Actor): Promise<CheckState> {
      const final = async ({ orUnknown }: { orUnknown: boolean }): Promise<CheckState | undefined> => {
        const stored = await readModel.checkByOrder(orderId);
        if (!stored && orUnknown) throw refuse.notFound(`check for order ${orderId}`);
        // (No record yet: the check may still be being scored; its workflow takes the cancel once it is.)
        if (!stored || !isFinal(stored.state.status)) return undefined;
        if (stored.state.status !== 'cancelled') throw refuse.invalidState(`the check already ended ${stored.state.status}`);
        return stored.state;
      };
      const already = await final({ orUnknown: false });
      if (already) return already;
      try {
        return await withTimeout(temporal.workflow.getHandle(workflowIdFor(orderId)).executeUpdate(cancelUpdate, { args: [{ reason, actor }] }));
      } catch (error) {
        // Its workflow completed meanwhile (so the check ended), or is gone.
        if (isNotFound(error)) {
          const ended = await final({ orUnknown: true });
          if (ended) return ended;
        }
        throw asRefusal(error);
      }
    },
  };
}

export type ChecksService = ReturnType<typeof checksService>;

function asRefusal(error: unknown): unknown {
  const mapped = fromWorkflowRefusal(error);
  if (mapped === error && isNotFound(error)) return refuse.notFound('check');
  return mapped;
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(refuse.unavailable('the decision is taking longer than usual; retry the same request')), DECISION_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

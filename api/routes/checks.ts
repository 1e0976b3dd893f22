/** The order pipeline's API: submit, read and cancel checks (API.md, "Order pipeline"). */
import { randomBytes, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { orderSchema } from '../../domain/order';
import { isFinal } from '../../domain/check';
import type { Config } from '../../config';
import { canonicalJson, sha256Hex } from '../../lib/crypto';
import { presentCheck } from '../../lib/present';
import { taskQueues, workflowIdFor } from '../../workflows/names';
import { CheckModel } from '../../models';
import { checkStateFromRecord, storedBodyHash } from '../../models/check';
import { cancelUpdate, submitUpdate } from '../../workflows/messages';
import { currentCheck, isNotFound } from '../storedChecks';
import { fromWorkflowRefusal } from '../workflowErrors';
import { checkWorkflow, type CheckWorkflowInput } from '../../workflows/check';
import { ApiError, invalidRequest, notFound } from '../errors';
import { requireServiceKey } from '../auth';
import { checksDecided } from '../metrics';

export const cancelSchema = z.object({ reason: z.string().trim().min(1).max(500) });
export const orderIdParam = orderSchema.shape.orderId;

/** How long a caller waits for a decision before getting 503 (the check goes on; a retry returns it). */
const DECISION_TIMEOUT_MS = 15_000;

export function checksRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const present = { publicUrl: config.publicUrl, tokenSecret: config.tokenSecret };
  router.use('/v1/checks', requireServiceKey(config.serviceApiKeys));

  router.post('/v1/checks', async (req, res) => {
    const parsed = orderSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest(parsed.error);
    const order = parsed.data;
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
      const result = await withTimeout(
        temporal.workflow.executeUpdateWithStart(submitUpdate, { args: [{ submissionId, bodyHash }], startWorkflowOperation }),
      );
      if (result.created) checksDecided.inc({ status: result.check.status });
      res.status(result.created ? 201 : 200).json(presentCheck(result.check, present));
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        // The order's workflow has completed: its check is final, and the read model has it.
        const record = await CheckModel.findOne({ orderId: order.orderId }).lean();
        if (record) {
          const known = storedBodyHash(record);
          if (known !== undefined && known !== bodyHash) {
            throw new ApiError(409, 'order_conflict', `order ${order.orderId} was already submitted with a different body`);
          }
          return void res.status(200).json(presentCheck(checkStateFromRecord(record), present));
        }
      }
      throw mapWorkflowError(error);
    }
  });

  router.get('/v1/checks/:orderId', async (req, res) => {
    const orderId = parseOrderId(req.params.orderId);
    const state = await currentCheck(temporal, orderId);
    if (!state) throw notFound(`check for order ${orderId}`);
    res.json(presentCheck(state, present, true));
  });

  router.post('/v1/checks/:orderId/cancel', async (req, res) => {
    const orderId = parseOrderId(req.params.orderId);
    const parsed = cancelSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest(parsed.error);
    /** A final check answers from the read model: cancelled again → 200, ended otherwise → 409. */
    const answerFinal = async ({ orUnknown }: { orUnknown: boolean }) => {
      const record = await CheckModel.findOne({ orderId }).lean();
      if (!record && orUnknown) throw notFound(`check for order ${orderId}`);
      // (No record yet: the check may still be being scored; its workflow takes the cancel once it is.)
      if (!record || !isFinal(record.status)) return false;
      if (record.status !== 'cancelled') throw new ApiError(409, 'invalid_state', `the check already ended ${record.status}`);
      res.json(presentCheck(checkStateFromRecord(record), present, true));
      return true;
    };
    if (await answerFinal({ orUnknown: false })) return;
    try {
      const state = await withTimeout(
        temporal.workflow
          .getHandle(workflowIdFor(orderId))
          .executeUpdate(cancelUpdate, { args: [{ reason: parsed.data.reason, actor: res.locals.actor }] }),
      );
      res.json(presentCheck(state, present, true));
    } catch (error) {
      // Its workflow completed meanwhile (so the check ended), or is gone.
      if (isNotFound(error) && (await answerFinal({ orUnknown: true }))) return;
      throw mapWorkflowError(error);
    }
  });

  return router;
}

function parseOrderId(value: unknown): string {
  const parsed = orderIdParam.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, 'order id');
  return parsed.data;
}

function mapWorkflowError(error: unknown): unknown {
  const mapped = fromWorkflowRefusal(error);
  if (mapped === error && isNotFound(error)) return notFound('check');
  return mapped;
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ApiError(503, 'temporarily_unavailable', 'the decision is taking longer than usual; retry the same request')),
      DECISION_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

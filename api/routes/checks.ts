/** The order pipeline's API: submit, read and cancel checks (API.md, "Order pipeline"). */
import { randomBytes, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  isGrpcServiceError,
  type Client,
} from '@temporalio/client';
import { orderSchema } from '../../domain/order';
import { isFinal, type CheckState } from '../../domain/check';
import type { Config } from '../../config';
import { taskQueues } from '../../config';
import { canonicalJson, sha256Hex } from '../../lib/crypto';
import { presentCheck } from '../../lib/present';
import { workflowIdFor } from '../../lib/temporal';
import { CheckModel } from '../../models';
import { cancelUpdate, stateQuery, submitUpdate } from '../../workflows/messages';
import { fromWorkflowRefusal } from '../workflowErrors';
import type { CheckWorkflowInput } from '../../workflows/check';
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
    const startWorkflowOperation = new WithStartWorkflowOperation('checkWorkflow', {
      workflowId: workflowIdFor(order.orderId),
      taskQueue: taskQueues.checks,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A finished (purged) check is never started again for the same order.
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
        const stored = await readModel(order.orderId);
        if (stored) return void res.status(200).json(presentCheck(stored, present));
      }
      throw mapWorkflowError(error);
    }
  });

  router.get('/v1/checks/:orderId', async (req, res) => {
    const orderId = parseOrderId(req.params.orderId);
    const state = await currentState(temporal, orderId);
    if (!state) throw notFound(`check for order ${orderId}`);
    res.json(presentCheck(state, present, true));
  });

  router.post('/v1/checks/:orderId/cancel', async (req, res) => {
    const orderId = parseOrderId(req.params.orderId);
    const parsed = cancelSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequest(parsed.error);
    try {
      const state = await withTimeout(
        temporal.workflow
          .getHandle(workflowIdFor(orderId))
          .executeUpdate(cancelUpdate, { args: [{ reason: parsed.data.reason, actor: res.locals.actor }] }),
      );
      res.json(presentCheck(state, present, true));
    } catch (error) {
      if (isNotFound(error)) {
        const stored = await readModel(orderId);
        if (!stored) throw notFound(`check for order ${orderId}`);
        if (stored.status === 'cancelled') return void res.json(presentCheck(stored, present, true));
        throw new ApiError(409, 'invalid_state', `the check already ended ${stored.status}`);
      }
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

/**
 * Live state from the workflow; the read model when the workflow is gone (after
 * retention) or unreachable, or the check was purged (the closed workflow's
 * state still holds what the purge destroyed).
 */
export async function currentState(temporal: Client, orderId: string): Promise<CheckState | undefined> {
  try {
    const state = await temporal.workflow.getHandle(workflowIdFor(orderId)).query(stateQuery);
    if (isFinal(state.status) && (await CheckModel.exists({ orderId, purgedAt: { $exists: true } }))) return readModel(orderId);
    return state;
  } catch (error) {
    if (!isNotFound(error)) {
      const stored = await readModel(orderId);
      if (stored) return stored;
      throw error;
    }
    return readModel(orderId);
  }
}

async function readModel(orderId: string): Promise<CheckState | undefined> {
  const doc = await CheckModel.findOne({ orderId }).lean();
  if (!doc) return undefined;
  return {
    checkId: doc._id,
    orderId: doc.orderId,
    status: doc.status,
    risk: doc.risk,
    verification: doc.verification,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    timeline: doc.timeline,
    version: doc.version,
  } as CheckState;
}

function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  return isGrpcServiceError(error) && error.code === 5; // NOT_FOUND
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

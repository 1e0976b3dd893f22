/**
 * One floor call (issue 12): an Update-with-Start of `floorWorkflow` with the options the API
 * starts a check with (api/routes/checks.ts). Used by bench:decision (latency, throughput)
 * and bench/floor/memory.ts (open workflows in the floor worker's cache).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { cleanOrder } from '../../test/fixtures/orders';
import { floorUpdate, type FloorInput } from './workflow';

/** Starts a floor workflow and waits for its answer; resolves with its workflow id. */
export async function callFloor(
  client: Client,
  options: { taskQueue: string; idPrefix: string } & Pick<FloorInput, 'retention' | 'retentionMs' | 'patched'>,
): Promise<string> {
  const workflowId = `${options.idPrefix}/${randomUUID()}`;
  const submissionId = randomUUID();
  const bodyHash = randomBytes(32).toString('hex');
  const input: FloorInput = { order: cleanOrder(), bodyHash, submissionId, retention: options.retention, retentionMs: options.retentionMs, patched: options.patched };
  const startWorkflowOperation = new WithStartWorkflowOperation('floorWorkflow', {
    workflowId,
    taskQueue: options.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  const answer = await client.workflow.executeUpdateWithStart(floorUpdate, { args: [{ submissionId, bodyHash }], startWorkflowOperation });
  if (!answer.created || !answer.noop.ok) throw new Error(`unexpected floor answer ${JSON.stringify(answer)}`);
  return workflowId;
}

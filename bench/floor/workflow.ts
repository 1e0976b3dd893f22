/**
 * The floor of the decision path (issue 12): what Temporal itself costs for one
 * check on this machine. An Update-with-Start of a workflow that does nothing but
 * run one no-op local activity, answer the update, and then keep the same
 * retention behaviour as a check: sleep the retention period (today's check), or
 * complete at once (a final check once a Schedule purges). Bench only: this file
 * is the entry point of the floor worker's workflow bundle (bench/floor/worker.ts).
 */
import * as wf from '@temporalio/workflow';

/**
 * Its task queues: with the project's payload codec, without it, and with the codec in a
 * bundle that also holds the check workflow's modules (bench/floor/withCheckModules.ts).
 */
export const floorTaskQueues = { codec: 'bench-floor', plain: 'bench-floor-plain', modules: 'bench-floor-modules' } as const;

export interface FloorInput {
  /** The same order a check carries, so the workflow input weighs what a check's does. */
  order: unknown;
  bodyHash: string;
  submissionId: string;
  retention: 'sleep' | 'complete';
  retentionMs: number;
  /**
   * Also call `patched()` once after the activity, as the check workflow does
   * ('audit-in-decision'): what a patch costs (a marker, and the search-attribute
   * upsert of TemporalChangeVersion that the SDK makes with it).
   */
  patched?: boolean;
}

export interface FloorRequest {
  submissionId: string;
  bodyHash: string;
}

export interface FloorAnswer {
  created: boolean;
  noop: { ok: true };
}

export const floorUpdate = wf.defineUpdate<FloorAnswer, [FloorRequest]>('submit');

/** The activities of the floor worker: one that does nothing. */
export interface FloorActivities {
  noop(): Promise<{ ok: true }>;
}

const local = wf.proxyLocalActivities<FloorActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumInterval: '2s' },
});

export async function floorWorkflow(input: FloorInput): Promise<void> {
  const noop = local.noop();
  wf.setHandler(floorUpdate, async ({ submissionId }) => ({ created: submissionId === input.submissionId, noop: await noop }));
  await noop;
  if (input.patched) wf.patched('bench-floor-patch');
  await wf.condition(() => wf.allHandlersFinished());
  if (input.retention === 'sleep') await wf.sleep(input.retentionMs);
}

/** The floor of a claim + decision: one update (`step`) each, answered after a no-op local activity. */
export const floorStepUpdate = wf.defineUpdate<{ ok: true }, [string]>('step');

/**
 * An open case at the floor (bench:review): started, then waits for two updates (the claim and
 * the decision), each of which runs one no-op local activity before it answers, and completes
 * after the second, as an approved check's workflow does. What Temporal itself costs for a case.
 */
export async function floorCaseWorkflow(): Promise<void> {
  let steps = 0;
  wf.setHandler(floorStepUpdate, async () => {
    const answer = await local.noop();
    steps++;
    return answer;
  });
  await wf.condition(() => steps >= 2 && wf.allHandlersFinished());
}

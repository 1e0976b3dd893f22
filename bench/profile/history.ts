/**
 * What a workflow's history says about its cost: the events it recorded (workflow
 * tasks, markers, timers, search-attribute upserts, updates, activity tasks) and
 * its size; and, with the caller's own clock around each call, where a request's
 * time went: before the server started the workflow, waiting for a worker to take
 * the workflow task, inside the worker (the local activity, and the rest of the
 * task), and back to the caller. The server and this bench share the clock.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One measured call: its workflow and the caller's wall clock (epoch ms) when it sent and got the answer. */
export interface CallSample {
  workflowId: string;
  sentAt: number;
  answeredAt: number;
}

export const wallClock = (): number => performance.timeOrigin + performance.now();

const eventName = (e: HistoryEvent) => (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '').toLowerCase();
const timeOf = (e: HistoryEvent | undefined): number =>
  e?.eventTime ? Number(e.eventTime.seconds ?? 0) * 1000 + (e.eventTime.nanos ?? 0) / 1e6 : NaN;

function parseTime(value: unknown): number {
  if (typeof value === 'string') return Date.parse(value);
  if (value && typeof value === 'object' && 'seconds' in value) {
    const t = value as { seconds: number | string; nanos?: number };
    return Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
  }
  return NaN;
}

export interface Anatomy {
  events: Map<string, number>;
  total: number;
  bytes: number;
}

export async function anatomy(client: Client, workflowId: string): Promise<Anatomy> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = new Map<string, number>();
  for (const e of history.events ?? []) events.set(eventName(e), (events.get(eventName(e)) ?? 0) + 1);
  return { events, total: history.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(history).finish().length };
}

/** The segments of one call, in ms (NaN where the history lacks the event). */
export interface Segments {
  /** Sent → WorkflowExecutionStarted recorded (for a check: the HTTP request and the API before it calls Temporal, and the start RPC). */
  toStart: number;
  /** Started → first workflow task handed to the worker (server dispatch and the worker's poll). */
  dispatch: number;
  /** First workflow task, started → completed: everything the worker does for the call. */
  workflowTask: number;
  /** Of which the local activity: from its dispatch to its result (Core's marker: completion = task start + runtime). */
  localActivity: number;
  /** Of which the rest: activations (sandbox, workflow code before and after the activity, the update's answer), encoding, the completion RPC. */
  taskOther: number;
  /** Workflow task completed → the caller has the answer (server persistence, the update's answer, for a check the API and HTTP). */
  back: number;
  total: number;
}

export const segmentNames: (keyof Segments)[] = ['toStart', 'dispatch', 'workflowTask', 'localActivity', 'taskOther', 'back', 'total'];

export async function segments(client: Client, sample: CallSample): Promise<Segments> {
  const history = await client.workflow.getHandle(sample.workflowId).fetchHistory();
  const events = history.events ?? [];
  const first = (type: number) => events.find((e) => e.eventType === type);
  const started = timeOf(first(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED));
  const taskStarted = timeOf(first(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED));
  const taskCompleted = timeOf(first(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED));
  // Core records a local activity's completion as the task's start time plus the activity's runtime.
  let localActivity = NaN;
  const marker = events.find((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  const data = marker?.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (data) {
    try {
      localActivity = parseTime((JSON.parse(Buffer.from(data).toString('utf8')) as { complete_time?: unknown }).complete_time) - taskStarted;
    } catch {
      // not JSON: leave the split out
    }
  }
  return {
    toStart: started - sample.sentAt,
    dispatch: taskStarted - started,
    workflowTask: taskCompleted - taskStarted,
    localActivity,
    taskOther: taskCompleted - taskStarted - localActivity,
    back: sample.answeredAt - taskCompleted,
    total: sample.answeredAt - sample.sentAt,
  };
}

/** Segments of many calls, a few histories at a time. */
export async function segmentsOf(client: Client, samples: CallSample[], parallel = 4): Promise<Segments[]> {
  const out: Segments[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < samples.length) out.push(await segments(client, samples[next++]));
    }),
  );
  return out;
}

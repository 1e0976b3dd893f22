/**
 * Outcomes (API.md, "Outcomes"): what became of an order after its check — a
 * chargeback, confirmed fraud, a refund, or legitimate — as use cases: record,
 * list, and the prior-outcome counts a new check is scored with.
 *
 * An outcome never touches its check (whose workflow may have completed long ago;
 * the check has one writer, and it is not us): it is a record of its own,
 * append-only, plus, for a chargeback or confirmed fraud, one mark per identifier
 * of the order (card, email, device, shipping address: pseudonyms, the lists'
 * keys) that later orders count.
 *
 * Idempotent and crash-safe: the outcome's id derives from the order and the body,
 * so the same outcome sent again is `200` with the first one. Recording starts a
 * short workflow per outcome (`outcome/<outcomeId>`) first, which stores the
 * record and its marks and delivers the webhook, each an activity retried until
 * done; the API then stores the same record itself (unique inserts, so whichever
 * write comes first stands) to answer with it at once. A crash after the start
 * loses nothing; one before it wrote nothing, and the caller's retry starts afresh.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { taskQueues } from '../workflows/names';
import { outcomeWorkflow } from '../workflows/outcome';
import type { Actor } from '../domain/check';
import type { Order } from '../domain/order';
import { orderListValues, type ListType } from '../domain/lists';
import { outcomeDimensions, type OutcomeDimension, type PriorOutcomeCounts } from '../scoring/types';
import { VELOCITY_CAP } from '../scoring/velocity';
import { canonicalJson } from '../lib/crypto';
import { CheckModel, isDuplicateKey } from '../models';
import { OutcomeMarkModel, OutcomeModel, type OutcomeRecord } from '../models/outcome';
import { refuse } from '../domain/errors';
import { fromWorkflowRefusal } from './workflowRefusals';
import { identifierKey } from './lists';

export const outcomeTypes = ['chargeback', 'fraud_confirmed', 'legitimate', 'refund'] as const;
export type OutcomeType = (typeof outcomeTypes)[number];
/** The outcomes that raise later orders' scores (and the mark kind each leaves). */
const markKinds: Partial<Record<OutcomeType, keyof PriorOutcomeCounts>> = { chargeback: 'chargeback', fraud_confirmed: 'fraudConfirmed' };

/** How far in the future `occurredAt` may be (clock skew between the shop and us). */
const SKEW_MS = 5 * 60_000;

export const newOutcomeSchema = z
  .object({
    type: z.enum(outcomeTypes),
    reason: z.string().trim().min(1).max(500).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type NewOutcome = z.infer<typeof newOutcomeSchema>;

export interface OutcomeView {
  outcomeId: string;
  checkId: string;
  orderId: string;
  type: OutcomeType;
  reason: string | null;
  occurredAt: string;
  createdAt: string;
  createdBy: Actor;
}

/** What the outcome workflow carries (no personal data: ids, type, the shop's reason, times). */
export interface OutcomeInput {
  outcomeId: string;
  checkId: string;
  orderId: string;
  type: OutcomeType;
  reason: string | null;
  occurredAt: string;
  createdAt: string;
  createdBy: Actor;
}

export const outcomeWorkflowId = (outcomeId: string) => `outcome/${outcomeId}`;

/** The same order and body always make the same id (the unique `_id` is the guard against a second record). */
export function outcomeIdFor(orderId: string, body: NewOutcome): string {
  const occurredAt = body.occurredAt ? new Date(body.occurredAt).toISOString() : undefined;
  const digest = createHash('sha256').update(`${orderId}\0${canonicalJson({ ...body, occurredAt })}`).digest('base64url');
  return `out_${digest.slice(0, 24)}`;
}

export function presentOutcome(r: OutcomeRecord): OutcomeView {
  return {
    outcomeId: r._id,
    checkId: r.checkId,
    orderId: r.orderId,
    type: r.type as OutcomeType,
    reason: r.reason ?? null,
    occurredAt: r.occurredAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    createdBy: { type: r.createdBy.type as Actor['type'], ...(r.createdBy.id ? { id: r.createdBy.id } : {}), ...(r.createdBy.role ? { role: r.createdBy.role } : {}) },
  };
}

/** The identifiers whose later orders an outcome affects, as list types. */
const dimensionTypes: Record<OutcomeDimension, ListType> = {
  card: 'card_fingerprint',
  email: 'email',
  device: 'device',
  shippingAddress: 'shipping_address',
};

function outcomeKeys(secret: Buffer, order: Order): Partial<Record<OutcomeDimension, string>> {
  const values = orderListValues(order);
  const keys: Partial<Record<OutcomeDimension, string>> = {};
  for (const d of outcomeDimensions) {
    const v = values.find((x) => x.type === dimensionTypes[d]);
    if (v) keys[d] = identifierKey(secret, v.type, v.value);
  }
  return keys;
}

/**
 * Stores an outcome and its marks (idempotent: unique inserts; the workflow's
 * activity and the API both call it). An order whose personal data was already
 * purged leaves no marks: its identifiers are gone.
 */
export async function storeOutcome(secret: Buffer, input: OutcomeInput): Promise<void> {
  await OutcomeModel.create({ _id: input.outcomeId, ...withoutId(input), occurredAt: new Date(input.occurredAt), createdAt: new Date(input.createdAt) }).catch(
    (error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    },
  );
  const kind = markKinds[input.type];
  if (!kind) return;
  const record = await CheckModel.findOne({ orderId: input.orderId }, { order: 1 }).lean();
  const order = record?.order as Order | undefined;
  if (!order?.customer?.email) return;
  const keys = Object.values(outcomeKeys(secret, order));
  await Promise.all(
    keys.map((key) =>
      OutcomeMarkModel.create({ _id: `${kind}:${key}:${input.orderId}`, key, kind, orderId: input.orderId, at: new Date(input.occurredAt) }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      }),
    ),
  );
}

function withoutId({ outcomeId: _id, ...rest }: OutcomeInput) {
  return rest;
}

export async function outcomesOf(orderId: string): Promise<OutcomeView[]> {
  const rows = await OutcomeModel.find({ orderId }).limit(500).lean<OutcomeRecord[]>();
  return rows.map(presentOutcome).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.createdAt.localeCompare(b.createdAt));
}

/**
 * Records an outcome: `created: false` with the first one when the same outcome
 * of that order was recorded before. `404` for an order with no check.
 */
export async function recordOutcome(
  deps: { temporal: Client; pseudonymSecret: Buffer },
  orderId: string,
  body: NewOutcome,
  actor: Actor,
  now = new Date(),
): Promise<{ outcome: OutcomeView; created: boolean }> {
  if (body.occurredAt && Date.parse(body.occurredAt) > now.getTime() + SKEW_MS) {
    throw refuse.invalidRequest('occurredAt: must not be in the future', [{ path: ['occurredAt'], message: 'must not be in the future' }]);
  }
  const check = await CheckModel.findOne({ orderId }, { _id: 1 }).lean();
  if (!check) throw refuse.notFound(`check for order ${orderId}`);
  const outcomeId = outcomeIdFor(orderId, body);
  const known = await OutcomeModel.findById(outcomeId).lean<OutcomeRecord>();
  if (known) return { outcome: presentOutcome(known), created: false };

  const input: OutcomeInput = {
    outcomeId,
    checkId: check._id,
    orderId,
    type: body.type,
    reason: body.reason ?? null,
    occurredAt: body.occurredAt ? new Date(body.occurredAt).toISOString() : now.toISOString(),
    createdAt: now.toISOString(),
    createdBy: actor,
  };
  let created = true;
  try {
    await deps.temporal.workflow.start(outcomeWorkflow, {
      workflowId: outcomeWorkflowId(outcomeId),
      taskQueue: taskQueues.checks,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw fromWorkflowRefusal(error); // Temporal out of reach: 503, retry
    created = false; // the same outcome at the same time (or a retry whose first try got this far)
  }
  await storeOutcome(deps.pseudonymSecret, input);
  const stored = await OutcomeModel.findById(outcomeId).lean<OutcomeRecord>();
  return { outcome: stored ? presentOutcome(stored) : presentOutcome({ _id: outcomeId, ...withoutId(input), occurredAt: new Date(input.occurredAt), createdAt: now }), created };
}

/**
 * Earlier orders sharing an identifier with this one that were marked chargeback
 * or fraud_confirmed: one capped equality lookup per identifier (`VELOCITY_CAP`
 * or more reads as the cap, far above any rule's threshold). This order's own
 * marks do not count.
 */
export async function priorOutcomeCounts(secret: Buffer, order: Order): Promise<Partial<Record<OutcomeDimension, PriorOutcomeCounts>>> {
  const keys = outcomeKeys(secret, order);
  const entries = await Promise.all(
    (Object.entries(keys) as Array<[OutcomeDimension, string]>).map(async ([d, key]) => {
      const marks = await OutcomeMarkModel.find({ key, orderId: { $ne: order.orderId } }, { kind: 1 }).limit(VELOCITY_CAP).lean();
      const counts: PriorOutcomeCounts = { chargeback: 0, fraudConfirmed: 0 };
      for (const m of marks) if (m.kind === 'chargeback' || m.kind === 'fraudConfirmed') counts[m.kind]++;
      return [d, counts] as const;
    }),
  );
  return Object.fromEntries(entries);
}

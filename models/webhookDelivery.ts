/**
 * The webhook delivery log: append-only, one document per thing that happened, never updated
 * (the embedded database loses concurrent read-modify-writes; unique inserts hold).
 *
 * - `webhook_events`: one per event (`_id` = the event id), written by the first delivery
 *   attempt: what the event was and the check as it was sent (a CheckState: no order data;
 *   the verification token is derived when presenting, never stored). A redelivery sends the
 *   same body from it. Deleted by the retention purge (the timeline's reasons are free text).
 * - `webhook_attempts`: one per delivery attempt (`_id` = `<eventId>:<redeliveryId | auto>:<attempt>`),
 *   written by the delivery activity after it tried: when, the outcome, the receiver's status code.
 *   Kept after the purge (ids, times and codes only).
 * - `webhook_redeliveries`: one per redelivery asked for (who, when).
 */
import { Schema, model } from 'mongoose';

const webhookEventSchema = new Schema(
  {
    _id: { type: String, required: true }, // event id
    checkId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
    type: { type: String, required: true },
    sequence: { type: Number },
    createdAt: { type: String, required: true },
    check: { type: Schema.Types.Mixed, required: true },
    /** Fields the event added to the check's data (a case file's reference). */
    extra: { type: Schema.Types.Mixed },
  },
  { collection: 'webhook_events', versionKey: false },
);

const webhookAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    checkId: { type: String, required: true, index: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    sequence: { type: Number },
    eventCreatedAt: { type: String, required: true },
    /** Absent for the engine's own deliveries; the redelivery's id otherwise. */
    redeliveryId: { type: String },
    /** Temporal's attempt number of this delivery (1, 2, …). */
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
    outcome: { type: String, required: true, enum: ['delivered', 'failed'] },
    statusCode: { type: Number },
    /** The failure's type (webhook_unreachable, webhook_rejected, webhook_redirected). */
    error: { type: String },
    durationMs: { type: Number, required: true },
  },
  { collection: 'webhook_attempts', versionKey: false },
);

const webhookRedeliverySchema = new Schema(
  {
    _id: { type: String, required: true }, // redelivery id
    checkId: { type: String, required: true, index: true },
    eventId: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    requestedBy: { type: String, required: true },
  },
  { collection: 'webhook_redeliveries', versionKey: false },
);

export const WebhookEventModel = model('WebhookEvent', webhookEventSchema);
export const WebhookAttemptModel = model('WebhookAttempt', webhookAttemptSchema);
export const WebhookRedeliveryModel = model('WebhookRedelivery', webhookRedeliverySchema);

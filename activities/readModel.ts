/** Projects a check's workflow state into the read model; purges it when retention ends. */
import type { CheckState, TimelineEntry } from '../domain/check';
import { fulfilmentOf, isFinal } from '../domain/check';
import type { Order } from '../domain/order';
import { CheckModel, DocumentModel, NoteModel, OutcomeModel, QueueEntryModel, ReportModel, VelocityEventModel, VerificationModel, WebhookEventModel, isDuplicateKey } from '../models';
import { openStatuses, queueFields, tickOf } from '../models/queueEntry';
import type { DocumentVault } from '../documents/vault';
import { tokenHash, verificationToken } from '../lib/crypto';
import { purgeAuditText } from './audit';
import { deleteOutboxMessages } from './notify';
import { recordRetentionDue } from './retention';

/** What the workflow sends with a version of its check. */
export interface Projection {
  check: CheckState;
  /** Only with the first version (the decision): the order as submitted, and its body's hash. */
  order?: Order;
  bodyHash?: string;
  /** The check's RETENTION_PERIOD: with it, a final version also records when the check is purged. */
  retentionMs?: number;
  /** The `sequence` of the last webhook event emitted so far. */
  webhookSequence?: number;
  /** Only with the first version: the order's link keys (activities/scoring.ts `linkKeys`). */
  links?: string[];
}

/**
 * `outboxDir`: where e-mails are written without SMTP (the purge deletes a check's messages there);
 * `vault`: where documents' bytes are (the purge shreds them).
 */
export function createReadModelActivities(tokenSecret: Buffer, outboxDir: string, vault: Pick<DocumentVault, 'shred'>) {
  /**
     * Writes one version of the check. The workflow sends versions in order, one
     * at a time; the `version` guard also drops a late retry of an older one.
     */
  async function projectCheck({ check, order, bodyHash, retentionMs, webhookSequence, links }: Projection): Promise<void> {
      const final = isFinal(check.status);
      // Final is terminal: its last transition is when the check ended.
      const finalAt = final ? new Date(check.timeline[check.timeline.length - 1].at) : null;
      const fields = {
        orderId: check.orderId,
        status: check.status,
        fulfilment: fulfilmentOf(check.status),
        score: check.risk.score,
        band: check.risk.band,
        risk: check.risk,
        verification: check.verification,
        timeline: check.timeline,
        version: check.version,
        documents: check.documents,
        claim: check.claim,
        slaDueAt: check.slaDueAt ? new Date(check.slaDueAt) : null,
        escalationDueAt: check.escalationDueAt ? new Date(check.escalationDueAt) : null,
        escalationOverdueAt: check.escalationOverdueAt ? new Date(check.escalationOverdueAt) : null,
        finalAt,
        ...(webhookSequence !== undefined ? { webhookSequence } : {}),
        assignee: check.claim?.assignee ?? null,
        leaseExpiresAt: check.claim ? new Date(check.claim.leaseExpiresAt) : null,
        documentCount: check.documents.length,
        flags: [...new Set(check.documents.flatMap((d) => d.flags))],
        createdAt: new Date(check.createdAt),
        updatedAt: new Date(check.updatedAt),
      };
      const onInsert = order
        ? { $setOnInsert: { order, amount: order.amount, currency: order.currency, ...(bodyHash ? { bodyHash } : {}), ...(retentionMs !== undefined ? { retentionMs } : {}), ...(links ? { links } : {}) } }
        : {};
      const write = async () => {
        if (order) {
          // The first version (the decision path): a plain insert, which FerretDB does in one statement (an
          // upsert is a read, then a write). Anything already there (a retry, a purged check) goes the way below.
          const inserted = await CheckModel.insertMany([{ _id: check.checkId, ...fields, ...onInsert.$setOnInsert }], { lean: true }).then(
            () => true,
            (error) => {
              if (!isDuplicateKey(error)) throw error;
              return false;
            },
          );
          if (inserted) return;
        }
        try {
          // Never over a purged check (a workflow still delivering when a short retention ended): it would bring the text back.
          await CheckModel.updateOne(
            { _id: check.checkId, version: { $lt: check.version }, purgedAt: { $exists: false } },
            { $set: fields, ...onInsert },
            { upsert: true },
          );
        } catch (error) {
          // Upsert collided with an existing document that is newer or purged: nothing to do.
          if (!isDuplicateKey(error)) throw error;
        }
      };
      // The queue holds open checks; one that ends leaves its entry with the final status (so the API's
      // open queue sees it leave: api/openQueue.ts), until the retention purge deletes it.
      const queue = async () => {
        if ((openStatuses as readonly string[]).includes(check.status)) {
          await QueueEntryModel.updateOne(
            { _id: check.checkId },
            { $set: { ...queueFields(fields), tick: tickOf(Date.now()) }, ...(order ? { $setOnInsert: { amount: order.amount, currency: order.currency } } : {}) },
            { upsert: true },
          );
        } else if (!order) {
          // (A check decided final at once never had an entry: nothing to write on the decision path.)
          await QueueEntryModel.updateOne({ _id: check.checkId }, { $set: { status: check.status, version: check.version, tick: tickOf(Date.now()) } });
        }
      };
      // Side by side: each is its own document, written by this check's workflow only.
      await Promise.all([
        write(),
        // A final check is purged when its retention ends, by the sweep, whatever becomes of its workflow.
        final && retentionMs !== undefined
          ? recordRetentionDue({ checkId: check.checkId, orderId: check.orderId, dueAt: new Date(finalAt!.getTime() + retentionMs) })
          : undefined,
        queue(),
      ]);
  }

    /**
     * The first version of a check, on the decision path (a local activity):
     * its read model and, when documents are asked for, its token.
     */
  async function recordDecision(decision: Projection & { order: Order }): Promise<void> {
      const { check } = decision;
      const v = check.verification;
      await Promise.all([
        projectCheck(decision),
        v ? openVerificationRound({ checkId: check.checkId, orderId: check.orderId, round: v.round, expiresAt: v.expiresAt }) : undefined,
      ]);
  }

    /** Registers the token of a verification round (by hash); a retry re-inserts nothing. */
  async function openVerificationRound(input: { checkId: string; orderId: string; round: number; expiresAt: string }): Promise<void> {
      const token = verificationToken(tokenSecret, input.checkId, input.round);
      try {
        await VerificationModel.create({
          _id: tokenHash(token),
          checkId: input.checkId,
          orderId: input.orderId,
          round: input.round,
          expiresAt: new Date(input.expiresAt),
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
  }

  /**
   * Retention ended: keep what the shop must keep (decision, score and its
   * reasons, the timeline's events, amounts, the audit chain) and destroy the
   * customer's data and every trace of it: documents (data keys, blobs and
   * fingerprints), tokens, the velocity record, e-mails in the outbox, the
   * personal data in the read model, and the free text (reasons) of the
   * timeline and the audit trail. Idempotent, and each step deletes whatever
   * is left, so a purge that stopped half-way finishes when run again.
   */
  async function purgeCheck({ checkId, orderId }: { checkId: string; orderId: string }): Promise<void> {
    // Crypto-shredding first: without its data key a document's blobs are noise; then delete those too, and
    // every fingerprint (hashes, and size + dimensions + quality, which together pick out a file as well).
    const documents = await DocumentModel.find({ checkId }, { _id: 1 }).lean();
    for (const d of documents) {
      await DocumentModel.updateOne(
        { _id: d._id },
        { $unset: { dataKey: 1, blobs: 1, sha256: 1, phash: 1, phashBands: 1, size: 1, width: 1, height: 1, pages: 1, quality: 1 }, $set: { shreddedAt: new Date() } },
      );
      await vault.shred(d._id);
    }
    await VerificationModel.deleteMany({ checkId });
    await VelocityEventModel.deleteOne({ _id: orderId });
    // Outcomes stay (type and times: the shop's records); their free text goes like every other reason.
    await OutcomeModel.updateMany({ orderId, reason: { $ne: null } }, { $set: { reason: null } });
    await QueueEntryModel.deleteOne({ _id: checkId }); // the entry a check that left the queue keeps until now
    await deleteOutboxMessages(outboxDir, checkId);
    // Case files made for recipients hold the order and the documents' list: the file is gone (410);
    // who sent what to whom stays. Notes keep author and time, not their text.
    await ReportModel.updateMany({ checkId, purgedAt: { $exists: false } }, { $unset: { caseJson: 1, auditJson: 1, note: 1 }, $set: { purgedAt: new Date() } });
    await NoteModel.updateMany({ checkId, redactedAt: { $exists: false } }, { $unset: { text: 1 }, $set: { redactedAt: new Date() } });
    await purgeAuditText(checkId, { documents: documents.length });
    // The webhook log keeps its attempts (ids, times, codes); the events' bodies (timeline reasons are free text) go.
    await WebhookEventModel.deleteMany({ checkId });
    // Last, so `purgedAt` means everything above is done.
    const record = await CheckModel.findById(checkId, { order: 1, timeline: 1 }).lean();
    const order = record?.order as Order | undefined;
    const redacted = order
      ? {
          orderId: order.orderId,
          placedAt: order.placedAt,
          amount: order.amount,
          currency: order.currency,
          channel: order.channel,
          items: order.items.map((i) => ({ category: i.category, quantity: i.quantity, unitAmount: i.unitAmount })),
          redacted: true,
        }
      : undefined;
    // Reasons are free text (a reviewer's note, the shop's cancel reason): the event, actor and statuses stay.
    const timeline = ((record?.timeline ?? []) as TimelineEntry[]).map((t) => ({ ...t, reason: null }));
    // The link keys go too: a purged check is no longer found by its customer's identifiers.
    await CheckModel.updateOne({ _id: checkId }, { $set: { order: redacted, timeline, purgedAt: new Date() }, $unset: { links: 1 } });
  }

  return { projectCheck, recordDecision, openVerificationRound, purgeCheck };
}

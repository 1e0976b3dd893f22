/**
 * Data-subject requests (API.md, "Privacy"; admins only): find everything held
 * about a person, export it, erase it.
 *
 * A person is found by e-mail (case-insensitive) or the shop's customer id (as
 * given): both are stored only as keyed pseudonyms in the check's `links`
 * (activities/scoring.ts `linkKeys`), so a lookup is one equality lookup on an
 * indexed field, never a scan of all checks. (Checks created before `links`
 * existed carry none and are not found; the retention purge still reaches them.)
 *
 * Erasure purges a final check with the retention purge itself
 * (activities/readModel.ts `purgeCheck`, through `purgeAndForget` as the sweeps
 * run it): idempotent, and it writes nothing a later projection could undo
 * (projections skip purged checks). Open checks are held (`open`: their
 * workflow still decides them; retention purges them once final), and so are
 * checks a case file was made for or that a senior reported (`reported`: the
 * shop may have to answer for them). A purged check loses its link keys, so it
 * is no longer found: an export afterwards holds nothing of it.
 *
 * Every request is audited twice: one record in `privacyRequests` (the subject
 * as its pseudonym only) and one entry in each check's audit chain.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config';
import { fulfilmentOf, isFinal } from '../domain/check';
import { appendAudit } from '../activities/audit';
import { createReadModelActivities } from '../activities/readModel';
import { purgeAndForget } from '../activities/retention';
import { linkKey, normaliseEmail } from '../activities/scoring';
import { documentVault } from '../documents/vault';
import { CheckModel, DocumentModel, PrivacyRequestModel, ReportModel } from '../models';
import { checkStateFromRecord } from '../models/check';
import { permit, type Reviewer } from './review';
import { outcomesOf } from './outcomes';

/** Checks one person may have that a request reads at most. */
export const SUBJECT_CAP = 1_000;

const email = z.string().trim().min(3).max(320).regex(/^[^@\s]+@[^@\s]+$/, 'not an e-mail address');
const customerId = z.string().trim().min(1).max(200);
const onlyOne = (q: { email?: string; customerId?: string }) => Boolean(q.email) !== Boolean(q.customerId);
const oneMessage = { message: 'give either "email" or "customerId"' };

export const subjectQuerySchema = z.object({ email: email.optional(), customerId: customerId.optional() }).refine(onlyOne, oneMessage);
export const exportRequestSchema = subjectQuerySchema;
export const erasureRequestSchema = z
  .object({ email: email.optional(), customerId: customerId.optional(), reason: z.string().trim().min(1, 'say why (the request it answers)').max(2000) })
  .refine(onlyOne, oneMessage);
export type Subject = z.infer<typeof subjectQuerySchema>;

export const subjectCheckSchema = z.object({ checkId: z.string(), orderId: z.string(), status: z.string(), createdAt: z.string(), purged: z.boolean() });
export const erasureAnswerSchema = z.object({
  erasureId: z.string(),
  erased: z.array(z.string()),
  held: z.array(z.object({ checkId: z.string(), why: z.enum(['open', 'reported']) })),
});

export function createPrivacy(config: Config) {
  const { purgeCheck } = createReadModelActivities(config.tokenSecret, config.mail.outboxDir, documentVault(config));
  const secret = config.pseudonymSecret;

  const subjectKey = (s: Subject) => (s.email ? linkKey(secret, 'email', normaliseEmail(s.email)) : linkKey(secret, 'customer', s.customerId!.trim()));

  async function checksOf(s: Subject) {
    const records = await CheckModel.find({ links: subjectKey(s) }).limit(SUBJECT_CAP).lean();
    return records.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  }

  async function record(kind: 'lookup' | 'export' | 'erasure', s: Subject, by: Reviewer, checks: string[], extra: Record<string, unknown> = {}) {
    const requestId = `prv_${randomBytes(12).toString('base64url')}`;
    await PrivacyRequestModel.create({ _id: requestId, kind, subject: subjectKey(s), by: { id: by.id, role: by.role }, at: new Date(), checks, ...extra });
    return requestId;
  }

  const audit = (checkId: string, by: Reviewer, action: string, detail: Record<string, unknown>) =>
    appendAudit({ checkId, at: new Date().toISOString(), actor: { type: 'reviewer', id: by.id, role: by.role }, action, detail });

  /** GET /v1/privacy/subjects: which checks hold this person's data. */
  async function lookup(s: Subject, by: Reviewer) {
    permit(by, 'privacy.requests');
    const records = await checksOf(s);
    const requestId = await record('lookup', s, by, records.map((r) => r._id));
    await Promise.all(records.map((r) => audit(r._id, by, 'privacy.lookup', { requestId })));
    return {
      requestId,
      checks: records.map((r) => ({ checkId: r._id, orderId: r.orderId, status: r.status, createdAt: new Date(r.createdAt).toISOString(), purged: Boolean(r.purgedAt) })),
    };
  }

  /** POST /v1/privacy/exports: everything held about the person, as JSON. */
  async function exportSubject(s: Subject, by: Reviewer) {
    permit(by, 'privacy.requests');
    const records = await checksOf(s);
    const requestId = await record('export', s, by, records.map((r) => r._id));
    const checks = [];
    for (const r of records) {
      await audit(r._id, by, 'privacy.export', { requestId });
      const state = checkStateFromRecord(r);
      const docs = await DocumentModel.find({ checkId: r._id }, { dataKey: 0, blobs: 0, sha256: 0, phash: 0, phashBands: 0 }).lean();
      const meta = new Map(docs.map((d) => [d._id, d]));
      checks.push({
        checkId: r._id,
        orderId: r.orderId,
        status: state.status,
        fulfilment: fulfilmentOf(state.status),
        createdAt: state.createdAt,
        updatedAt: state.updatedAt,
        purged: Boolean(r.purgedAt),
        order: r.order ?? null,
        risk: { score: state.risk.score, band: state.risk.band, rulesetVersion: state.risk.rulesetVersion, reasons: state.risk.reasons },
        timeline: state.timeline.map(({ seq: _seq, ...entry }) => entry),
        outcomes: await outcomesOf(r.orderId),
        documents: state.documents.map((d) => {
          const m = meta.get(d.documentId);
          return {
            documentId: d.documentId,
            kind: d.kind,
            round: d.round,
            status: d.status,
            reason: d.reason,
            uploadedAt: d.uploadedAt,
            contentType: m?.contentType ?? null,
            size: m?.size ?? null,
            width: m?.width ?? null,
            height: m?.height ?? null,
            pages: m?.pages ?? null,
            destroyed: Boolean(m?.shreddedAt),
          };
        }),
      });
    }
    return { requestId, generatedAt: new Date().toISOString(), subject: s.email ? { email: normaliseEmail(s.email) } : { customerId: s.customerId!.trim() }, checks };
  }

  /** POST /v1/privacy/erasures: final checks purged now; open and reported ones held, and why. */
  async function erase(s: Subject & { reason: string }, by: Reviewer): Promise<z.infer<typeof erasureAnswerSchema>> {
    permit(by, 'privacy.requests');
    const records = await checksOf(s);
    const erasureId = `era_${randomBytes(12).toString('base64url')}`;
    const erased: string[] = [];
    const held: Array<{ checkId: string; why: 'open' | 'reported' }> = [];
    for (const r of records) {
      let why: 'open' | 'reported' | undefined;
      if (!isFinal(r.status)) why = 'open';
      else if ((r.timeline ?? []).some((t: { event?: string }) => t.event === 'reported') || (await ReportModel.exists({ checkId: r._id }))) why = 'reported';
      // The reason is the entry's free text: the purge that follows destroys it with the rest.
      await audit(r._id, by, 'privacy.erasure', { erasureId, outcome: why ? 'held' : 'erased', ...(why ? { why } : {}), reason: s.reason });
      if (why) {
        held.push({ checkId: r._id, why });
        continue;
      }
      await purgeAndForget(purgeCheck, { checkId: r._id, orderId: r.orderId });
      erased.push(r._id);
    }
    await record('erasure', s, by, records.map((r) => r._id), { reason: s.reason, erased, held, _id: erasureId });
    return { erasureId, erased, held };
  }

  return { lookup, exportSubject, erase };
}

/**
 * The reviewers' API (API.md, "Reviewers"): the queue and cases come from the
 * read model (with the live state from the workflow for an open case); claims
 * and decisions are Temporal Updates, so the workflow refuses what cannot be
 * done before anything is recorded. Every document view is audited first.
 */
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import { allowedActions, fulfilmentOf, isFinal, reviewActions, statuses, type CheckState } from '../../domain/check';
import { documentKinds } from '../../domain/order';
import { can, permissionNames, roles, type Role } from '../../domain/roles';
import { appendAudit, auditTrail } from '../../activities/audit';
import { keyRing } from '../../lib/documentKeys';
import { workflowIdFor } from '../../workflows/names';
import { CheckModel, DocumentModel } from '../../models';
import { checkStateFromRecord } from '../../models/check';
import { isNotFound } from '../storedChecks';
import { claimUpdate, decideUpdate, stateQuery } from '../../workflows/messages';
import { fromWorkflowRefusal } from '../workflowErrors';
import { decryptBuffer, unwrapDataKey } from '../../documents/envelope';
import { blobStore } from '../../documents/storage';
import { requireReviewer, type Reviewer } from '../reviewerAuth';
import { ApiError, invalidRequest, notFound } from '../errors';
import { webRoot } from './verification';
import { queuePage, queueQuerySchema } from '../queue';

export const decisionSchema = z.object({
  action: z.enum(reviewActions),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
  requested: z.array(z.enum(documentKinds)).min(1).max(3).optional(),
});
const checkIdSchema = z.string().regex(/^chk_[A-Za-z0-9_-]{1,40}$/, 'not a check id');
const variantSchema = z.enum(['preview', 'thumbnail', 'original']).default('preview');
/** GET /v1/review/me: who the token is and every permission its role holds (domain/roles.ts decides). */
export const reviewerSelfSchema = z.object({
  id: z.string(),
  role: z.enum(roles),
  permissions: z.array(z.enum(permissionNames)),
});

export function reviewRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const ring = keyRing(config);
  const blobs = blobStore(config);
  router.use('/v1/review', requireReviewer({ secret: config.reviewerJwtSecret, identityProvider: config.reviewerIdentityProvider }, 'reviewer'));
  const me = (res: { locals: Record<string, unknown> }) => res.locals.reviewer as Reviewer;

  const permit = (role: Role, permission: Parameters<typeof can>[1]) => {
    if (!can(role, permission)) throw new ApiError(403, 'forbidden', `your role (${role}) may not ${permission.replace('.', ' ')}`);
  };

  // The console asks this instead of knowing the role rules itself.
  router.get('/v1/review/me', (_req, res) => {
    const { id, role } = me(res);
    const self: z.infer<typeof reviewerSelfSchema> = { id, role, permissions: permissionNames.filter((p) => can(role, p)) };
    res.setHeader('Cache-Control', 'no-store');
    res.json(self);
  });

  router.get('/v1/review/cases', async (req, res) => {
    const query = queueQuerySchema.safeParse(req.query);
    if (!query.success) throw invalidRequest(query.error, 'query');
    res.json(await queuePage(query.data, me(res).id));
  });

  /** The whole case: read model (order metadata), the state (live while open; stored once final), document metadata. */
  async function loadCase(checkId: string, reviewer: Reviewer) {
    const record = await CheckModel.findById(checkId).lean();
    if (!record) throw notFound(`case ${checkId}`);
    let state: CheckState = checkStateFromRecord(record);
    if (!isFinal(record.status)) {
      try {
        state = await temporal.workflow.getHandle(workflowIdFor(record.orderId)).query(stateQuery);
      } catch {
        // Temporal cannot answer: the last projected state.
      }
    }
    const docs = await DocumentModel.find({ checkId }, { dataKey: 0 }).lean();
    const meta = new Map(docs.map((d) => [d._id, d]));
    return {
      checkId: state.checkId,
      orderId: state.orderId,
      status: state.status,
      fulfilment: fulfilmentOf(state.status),
      risk: { score: state.risk.score, band: state.risk.band, rulesetVersion: state.risk.rulesetVersion, reasons: state.risk.reasons },
      order: record.order ?? null,
      verification: state.verification
        ? { requested: state.verification.requested, round: state.verification.round, expiresAt: state.verification.expiresAt }
        : null,
      documents: (state.documents ?? []).map((d) => {
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
          quality: m?.quality ?? null,
          flags: d.flags,
          duplicates: d.duplicates,
          variants: m?.blobs?.preview ? ['thumbnail', 'preview', 'original'] : ['original'],
        };
      }),
      timeline: state.timeline.map(({ seq: _seq, ...entry }) => entry),
      claim: state.claim && Date.parse(state.claim.leaseExpiresAt) > Date.now() ? { assignee: state.claim.assignee, leaseExpiresAt: state.claim.leaseExpiresAt } : null,
      slaDueAt: state.slaDueAt ?? null,
      escalationDueAt: state.escalationDueAt ?? null,
      escalationOverdueAt: state.escalationOverdueAt ?? null,
      allowedActions: allowedActions(state, reviewer.role),
      purged: Boolean(record.purgedAt),
    };
  }

  router.get('/v1/review/cases/:checkId', async (req, res) => {
    const reviewer = me(res);
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await loadCase(checkId, reviewer));
  });

  router.post('/v1/review/cases/:checkId/claim', async (req, res) => {
    const reviewer = me(res);
    permit(reviewer.role, 'case.claim');
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const orderId = await openCaseOrder(checkId, (status) => `a case that is ${status} cannot be claimed`);
    try {
      const claim = await temporal.workflow.getHandle(workflowIdFor(orderId)).executeUpdate(claimUpdate, { args: [{ reviewerId: reviewer.id, role: reviewer.role }] });
      res.json({ assignee: claim.assignee, leaseExpiresAt: claim.leaseExpiresAt });
    } catch (error) {
      throw await refusal(error, checkId);
    }
  });

  router.post('/v1/review/cases/:checkId/decision', async (req, res) => {
    const reviewer = me(res);
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const body = decisionSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidRequest(body.error);
    if (body.data.action === 'request_documents' && !body.data.requested) {
      throw new ApiError(400, 'invalid_request', 'say which documents to request in "requested"');
    }
    const orderId = await openCaseOrder(checkId, (status) => `a case that is ${status} cannot take "${body.data.action}"`);
    try {
      await temporal.workflow.getHandle(workflowIdFor(orderId)).executeUpdate(decideUpdate, {
        args: [{ ...body.data, reviewerId: reviewer.id, role: reviewer.role }],
      });
    } catch (error) {
      throw await refusal(error, checkId);
    }
    res.json(await loadCase(checkId, reviewer));
  });

  router.get('/v1/review/cases/:checkId/documents/:documentId/content', async (req, res) => {
    const reviewer = me(res);
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    const variant = parse(variantSchema, req.query.variant, 'variant');
    permit(reviewer.role, variant === 'original' ? 'document.original' : 'document.preview');
    const doc = await DocumentModel.findById(String(req.params.documentId)).lean();
    if (!doc || doc.checkId !== checkId) throw notFound('document');
    const blob = doc.blobs?.[variant];
    if (!blob?.iv || !doc.dataKey || doc.shreddedAt) {
      throw new ApiError(404, 'not_found', doc.shreddedAt ? 'this document was destroyed at the end of its retention period' : `no ${variant} for this document`);
    }
    // Audited before a single byte leaves.
    await appendAudit({
      checkId,
      at: new Date().toISOString(),
      actor: { type: 'reviewer', id: reviewer.id, role: reviewer.role },
      action: 'document.viewed',
      detail: { documentId: doc._id, variant },
    });
    const ciphertext = await blobs.get(`${doc._id}/${variant}`);
    if (!ciphertext) throw notFound('document content');
    const plain = decryptBuffer(unwrapDataKey(ring, doc.dataKey), { iv: blob.iv, tag: blob.tag!, ciphertext }, `${doc._id}:${variant}`);
    res.setHeader('Content-Type', blob.contentType ?? (variant === 'original' ? doc.contentType : 'image/jpeg'));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    res.setHeader('Content-Disposition', `inline; filename="${doc._id}-${variant}${extension(blob.contentType ?? doc.contentType)}"`);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.end(plain);
  });

  router.get('/v1/review/cases/:checkId/audit', async (req, res) => {
    const reviewer = me(res);
    permit(reviewer.role, 'audit.read');
    const checkId = parse(checkIdSchema, req.params.checkId, 'check id');
    if (!(await CheckModel.exists({ _id: checkId }))) throw notFound(`case ${checkId}`);
    const trail = await auditTrail(checkId);
    res.setHeader('Cache-Control', 'no-store');
    res.json(trail);
  });

  router.get('/review', (_req, res) => {
    res.sendFile(path.join(webRoot, 'review', 'index.html'));
  });

  return router;
}

/** The order of a case that may still change; a final case is refused here (its workflow may have completed). */
async function openCaseOrder(checkId: string, finalMessage: (status: string) => string): Promise<string> {
  const record = await CheckModel.findById(checkId, { orderId: 1, status: 1 }).lean();
  if (!record) throw notFound(`case ${checkId}`);
  if (isFinal(record.status)) throw new ApiError(409, 'invalid_state', finalMessage(record.status));
  return record.orderId;
}

/** The API's answer to a refused claim or decision; a workflow that completed meanwhile means the case ended. */
async function refusal(error: unknown, checkId: string): Promise<unknown> {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(503, 'temporarily_unavailable', 'the case is busy; retry the same request');
  }
  if (isNotFound(error)) {
    const record = await CheckModel.findById(checkId, { status: 1 }).lean();
    if (record && isFinal(record.status)) return new ApiError(409, 'invalid_state', `the case already ended ${record.status}`);
  }
  return fromWorkflowRefusal(error);
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, what);
  return parsed.data;
}

function extension(contentType: string): string {
  return { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'application/pdf': '.pdf' }[contentType] ?? '';
}

export { statuses };

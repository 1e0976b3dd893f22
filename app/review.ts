/**
 * The reviewers' use cases (`/openapi.json`, README "Who may do what"): the queue, a
 * case, claiming it, deciding it, opening one of its documents, its audit
 * trail. Claims and decisions are Updates of the case's workflow, so the
 * workflow refuses what cannot be done before anything is recorded; who may do
 * what is domain/roles.ts. Every document view is audited before a byte leaves.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { allowedActions, fulfilmentOf, isFinal, type CheckState, type ReviewAction } from '../domain/check';
import { refuse } from '../domain/errors';
import type { DocumentKind } from '../domain/order';
import type { ListType } from '../domain/lists';
import { can, type Permission, type Role } from '../domain/roles';
import { appendAudit, auditTrail, configureAudit } from '../activities/audit';
import type { BlobVariant } from '../documents/blobStore';
import { documentVault } from '../documents/vault';
import { workflowIdFor } from '../workflows/names';
import { claimUpdate, decideUpdate, stateQuery } from '../workflows/messages';
import { readModel, type DocumentMeta, type StoredCheck } from './readModel';
import { queuePage, type QueueQuery } from './reviewQueue';
import { openQueue } from './openQueue';
import { outcomesOf, type OutcomeView } from './outcomes';
import { fromWorkflowRefusal, isNotFound } from './workflowRefusals';

export interface Reviewer {
  id: string;
  role: Role;
}

export interface Decision {
  action: ReviewAction;
  reason: string;
  requested?: DocumentKind[];
  /** With `reject`: put the order's values of these types on the block list. */
  block?: ListType[];
}

/** Refuses unless the reviewer's role holds the permission (domain/roles.ts). */
export function permit(reviewer: Reviewer, permission: Permission): void {
  if (!can(reviewer.role, permission)) throw refuse.forbidden(`your role (${reviewer.role}) may not ${permission.replace('.', ' ')}`);
}

/** A case as the console shows it: the state, the order metadata, document metadata, and what the caller may do now. */
export function caseView(
  state: CheckState,
  stored: Pick<StoredCheck, 'order' | 'purged'>,
  documents: Map<string, DocumentMeta>,
  reviewer: Reviewer,
  outcomes: OutcomeView[],
  now = Date.now(),
) {
  return {
    checkId: state.checkId,
    orderId: state.orderId,
    status: state.status,
    fulfilment: fulfilmentOf(state.status),
    risk: { score: state.risk.score, band: state.risk.band, rulesetVersion: state.risk.rulesetVersion, reasons: state.risk.reasons },
    order: stored.order ?? null,
    verification: state.verification
      ? { requested: state.verification.requested, round: state.verification.round, expiresAt: state.verification.expiresAt }
      : null,
    documents: (state.documents ?? []).map((d) => {
      const m = documents.get(d.documentId);
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
        variants: m?.variants ?? ['original'],
      };
    }),
    timeline: state.timeline.map(({ seq: _seq, ...entry }) => entry),
    claim: state.claim && Date.parse(state.claim.leaseExpiresAt) > now ? { assignee: state.claim.assignee, leaseExpiresAt: state.claim.leaseExpiresAt } : null,
    slaDueAt: state.slaDueAt ?? null,
    escalationDueAt: state.escalationDueAt ?? null,
    escalationOverdueAt: state.escalationOverdueAt ?? null,
    /** From domain/check.ts and domain/roles.ts: the console offers these and nothing else. */
    allowedActions: allowedActions(state, reviewer.role),
    purged: stored.purged,
    outcomes,
  };
}
export type CaseView = ReturnType<typeof caseView>;

export function reviewService(config: Config, temporal: Client) {
  configureAudit(config.auditSecret);
  const vault = documentVault(config);

  /** The stored case, refused when unknown. */
  async function storedCase(checkId: string): Promise<StoredCheck> {
    const stored = await readModel.checkById(checkId);
    if (!stored) throw refuse.notFound(`case ${checkId}`);
    return stored;
  }

  /** A case that may still change; a final case is refused here (its workflow may have completed). */
  function mustBeOpen(stored: StoredCheck, finalMessage: (status: string) => string): void {
    if (isFinal(stored.state.status)) throw refuse.invalidState(finalMessage(stored.state.status));
  }

  /** A refused claim or decision; a workflow that completed meanwhile means the case ended. */
  async function refusal(error: unknown, checkId: string): Promise<unknown> {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return refuse.unavailable('the case is busy; retry the same request');
    if (isNotFound(error)) {
      const ref = await readModel.checkRef(checkId);
      if (ref && isFinal(ref.status)) return refuse.invalidState(`the case already ended ${ref.status}`);
    }
    return fromWorkflowRefusal(error);
  }

  return {
    queue(query: QueueQuery, reviewer: Reviewer) {
      permit(reviewer, 'queue.read');
      return queuePage(query, reviewer.id);
    },

    /** The whole case: the state live from its workflow while open (stored once final, or when Temporal cannot answer). */
    async openCase(checkId: string, reviewer: Reviewer): Promise<CaseView> {
      permit(reviewer, 'case.read');
      const [stored, documents] = await Promise.all([storedCase(checkId), readModel.documentsOf(checkId)]);
      let state = stored.state;
      const outcomes = outcomesOf(state.orderId);
      outcomes.catch(() => undefined); // awaited below
      if (!isFinal(state.status)) {
        try {
          state = await temporal.workflow.getHandle(workflowIdFor(state.orderId)).query(stateQuery);
        } catch {
          // Temporal cannot answer: the last projected state.
        }
      }
      return caseView(state, stored, documents, reviewer, await outcomes);
    },

    async claim(checkId: string, reviewer: Reviewer): Promise<{ assignee: string; leaseExpiresAt: string }> {
      permit(reviewer, 'case.claim');
      const stored = await storedCase(checkId);
      mustBeOpen(stored, (status) => `a case that is ${status} cannot be claimed`);
      try {
        const claim = await temporal.workflow.getHandle(workflowIdFor(stored.state.orderId)).executeUpdate(claimUpdate, { args: [{ reviewerId: reviewer.id, role: reviewer.role }] });
        // This API's queue shows it at once (others within a refresh).
        openQueue.noteChange(checkId, (e) => ({ ...e, assignee: claim.assignee, leaseExpiresAt: new Date(claim.leaseExpiresAt) }));
        return { assignee: claim.assignee, leaseExpiresAt: claim.leaseExpiresAt };
      } catch (error) {
        throw await refusal(error, checkId);
      }
    },

    /** Applies a decision; the answer is the case as the workflow's update returns it (nothing is read after it). */
    async decide(checkId: string, reviewer: Reviewer, decision: Decision): Promise<CaseView> {
      if (decision.action === 'request_documents' && !decision.requested) throw refuse.invalidRequest('say which documents to request in "requested"');
      if (decision.block && decision.action !== 'reject') throw refuse.invalidRequest('"block" goes with a reject only');
      const [stored, documents] = await Promise.all([storedCase(checkId), readModel.documentsOf(checkId)]);
      mustBeOpen(stored, (status) => `a case that is ${status} cannot take "${decision.action}"`);
      let state: CheckState;
      try {
        state = await temporal.workflow.getHandle(workflowIdFor(stored.state.orderId)).executeUpdate(decideUpdate, {
          args: [{ ...decision, reviewerId: reviewer.id, role: reviewer.role }],
        });
      } catch (error) {
        throw await refusal(error, checkId);
      }
      openQueue.noteChange(checkId, (e) => ({ ...e, status: state.status, version: state.version, assignee: null, leaseExpiresAt: null }));
      return caseView(state, stored, documents, reviewer, await outcomesOf(state.orderId));
    },

    /** A document's variant, audited before it is decrypted. */
    async openDocument(checkId: string, documentId: string, variant: BlobVariant, reviewer: Reviewer): Promise<{ bytes: Buffer; contentType: string }> {
      permit(reviewer, variant === 'original' ? 'document.original' : 'document.preview');
      const doc = await readModel.document(documentId);
      if (!doc || doc.checkId !== checkId) throw refuse.notFound('document');
      if (doc.shreddedAt) throw refuse.gone('this document was destroyed at the end of its retention period');
      if (!doc.blobs?.[variant]?.iv) throw refuse.gone(`no ${variant} for this document`);
      await appendAudit({
        checkId,
        at: new Date().toISOString(),
        actor: { type: 'reviewer', id: reviewer.id, role: reviewer.role },
        action: 'document.viewed',
        detail: { documentId: doc._id, variant },
      });
      const plain = await vault.readVariant(doc, variant);
      if (!plain) throw refuse.notFound('document content');
      return { bytes: plain.bytes, contentType: plain.contentType ?? (variant === 'original' ? doc.contentType : 'image/jpeg') };
    },

    async auditTrail(checkId: string, reviewer: Reviewer) {
      permit(reviewer, 'audit.read');
      if (!(await readModel.checkExists(checkId))) throw refuse.notFound(`case ${checkId}`);
      return auditTrail(checkId);
    },
  };
}

export type ReviewService = ReturnType<typeof reviewService>;

/**
 * The customer's side (`/openapi.json`, README "Architecture"): the token in the link is the
 * credential. What the link's page shows, and receiving an upload: checked by
 * its bytes, sealed in the document vault, recorded, and only then handed to
 * the check's workflow by id (file bytes never pass through Temporal).
 *
 * Retries cannot double a document: the workflow update's id is derived from the
 * check, round, kind and the file's SHA-256, and Temporal answers a repeated
 * update id with the first update's outcome, so sending the same file again
 * returns the document the check already has. A stored file is deleted only
 * when the workflow definitely refused it (its validator's ApplicationFailure);
 * when the outcome is unknown (no answer within UPLOAD_CONFIRM_TIMEOUT, a lost
 * connection) it is kept — the workflow may hold it — and the answer is a
 * retryable refusal: sending the file again resolves it either way. A kept file
 * the check never took is destroyed with the check's documents when its
 * retention ends.
 */
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { CheckState } from '../domain/check';
import { refuse } from '../domain/errors';
import type { DocumentKind } from '../domain/order';
import { sniffType } from '../documents/sniff';
import { readImageHeader } from '../documents/image';
import { isDocumentRejected } from '../documents/errors';
import { documentVault } from '../documents/vault';
import { tokenHash } from '../lib/crypto';
import { logger } from '../lib/logger';
import { workflowIdFor } from '../workflows/names';
import { VerificationModel } from '../models';
import { documentReceivedUpdate } from '../workflows/messages';
import { currentCheck } from './checks';
import { readModel } from './readModel';
import { fromWorkflowRefusal } from './workflowRefusals';

/** When the outcome of handing a stored file to the workflow is unknown: retry after this. */
const UNCONFIRMED_RETRY_AFTER_SECONDS = 5;

/** What a known link stands for. */
export interface LinkRecord {
  checkId: string;
  orderId: string;
  round: number;
}

export interface LinkContext extends LinkRecord {
  state: CheckState;
}

/** What the link's page shows: the round's request and its documents. */
export interface LinkPage {
  status: CheckState['status'];
  requested: DocumentKind[];
  expiresAt: string | null;
  round: number;
  rejected: { kind: DocumentKind; reason: string }[];
  documents: Pick<CheckState['documents'][number], 'documentId' | 'kind' | 'status' | 'reason' | 'uploadedAt'>[];
}

const gone = () => refuse.gone('this verification link is unknown or has expired');

/** The workflow's validator refused the update: it definitely did not take the document. */
function isDefiniteRefusal(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure;
}

export function verificationService(config: Config, temporal: Client) {
  const vault = documentVault(config);

  /** Deletes an upload the check does not hold: its bytes, then its record (kept if the bytes could not be deleted, so the purge finds them). */
  async function discard(documentId: string): Promise<void> {
    try {
      await vault.shred(documentId);
      await readModel.forgetUpload(documentId);
    } catch (error) {
      logger.warn({ err: { message: (error as Error).message }, documentId }, 'discarding an upload failed; its check’s purge deletes it');
    }
  }

  return {
    /** The record of a well-formed token: one indexed read; refused (`not_found`) when unknown or expired. */
    async lookup(token: string): Promise<LinkRecord> {
      const record = await VerificationModel.findById(tokenHash(token)).lean();
      if (!record || record.expiresAt.getTime() <= Date.now()) throw gone();
      return { checkId: record.checkId, orderId: record.orderId, round: record.round };
    },

    /** The check of a known link: still the current round (and, if asked, still waiting for documents). */
    async checkOf(record: LinkRecord, { mustBeWaiting }: { mustBeWaiting: boolean }): Promise<LinkContext> {
      // Stored once final (its workflow may have completed), live while open. A check that cannot
      // answer now is a 503 to retry, never a 404: the link is known. An upload needs the workflow's
      // own answer (the read model may be behind, and the workflow must take the file); the page
      // may show the read model meanwhile.
      let state: CheckState | undefined;
      try {
        state = await currentCheck(temporal, record.orderId, { live: mustBeWaiting });
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message }, checkId: record.checkId }, 'the check of a verification link did not answer');
        throw refuse.unavailable('we cannot reach your order right now; please try again shortly', UNCONFIRMED_RETRY_AFTER_SECONDS);
      }
      if (!state) throw gone();
      // A newer round replaces this link.
      if (state.verification && state.verification.round !== record.round) throw gone();
      if (mustBeWaiting && state.status !== 'awaiting_documents') throw refuse.invalidState('we are not waiting for documents on this order any more');
      return { ...record, state };
    },

    page({ state, round }: LinkContext): LinkPage {
      return {
        status: state.status,
        requested: state.verification?.requested ?? [],
        expiresAt: state.verification?.expiresAt ?? null,
        round,
        // Documents a reviewer turned down, so this round asks for them again: the customer is told why.
        rejected: (state.verification?.round === round ? state.verification.rejected : undefined)?.map(({ kind, reason }) => ({ kind, reason })) ?? [],
        documents: state.documents
          .filter((d) => d.round === round)
          .map(({ documentId, kind, status, reason, uploadedAt }) => ({ documentId, kind, status, reason, uploadedAt })),
      };
    },

    /** Refuses a kind the round did not ask for. */
    checkKind(context: LinkContext, kind: DocumentKind): void {
      if (!context.state.verification?.requested.includes(kind)) {
        throw refuse.invalidRequest(`"${kind}" was not requested (requested: ${context.state.verification?.requested.join(', ')})`);
      }
    },

    /**
     * Receives a file for the link's round: its type from its bytes, sealed and recorded under a
     * new id, handed to the workflow. Returns the id the check holds for this upload (an earlier
     * attempt's, when the same file was sent before).
     */
    async receive(context: LinkContext, kind: DocumentKind, bytes: Buffer): Promise<string> {
      const contentType = await sniffUpload(bytes);
      const documentId = await store(context, kind, bytes, contentType);
      return handOver(context, kind, documentId, bytes);
    },
  };

  /** Seals and records the file under a new id; on failure nothing of it is left. */
  async function store(context: LinkContext, kind: DocumentKind, bytes: Buffer, contentType: string): Promise<string> {
    const documentId = `doc_${randomBytes(12).toString('base64url')}`;
    try {
      // The record first: it is how anything finds the bytes (the purge deletes a check's blobs
      // through its records), so a crash in between leaves a record without bytes — purged with
      // its check, never handed to the workflow — and never bytes that nothing names.
      const sealed = vault.sealOriginal(documentId, bytes, contentType);
      await readModel.recordUpload({ documentId, checkId: context.checkId, orderId: context.orderId, kind, round: context.round, contentType, size: bytes.length, sealed: sealed.fields });
      await sealed.store();
    } catch (error) {
      // The workflow has not seen this id: nothing of it may stay.
      await discard(documentId);
      logger.warn({ err: { message: (error as Error).message }, checkId: context.checkId, documentId }, 'storing an upload failed');
      throw refuse.unavailable('we could not store your file right now; please retry shortly', UNCONFIRMED_RETRY_AFTER_SECONDS);
    }
    return documentId;
  }

  async function handOver(context: LinkContext, kind: DocumentKind, documentId: string, bytes: Buffer): Promise<string> {
    const fileHash = Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex'); // on the thread pool
    const updateId = `upload-${createHmac('sha256', config.tokenSecret).update(`upload:${context.checkId}:${context.round}:${kind}:${fileHash}`).digest('base64url')}`;
    let taken: string;
    try {
      const received = await temporal.withDeadline(Date.now() + config.uploads.confirmTimeoutMs, () =>
        temporal.workflow.getHandle(workflowIdFor(context.orderId)).executeUpdate(documentReceivedUpdate, {
          updateId,
          args: [{ documentId, kind, round: context.round, uploadedAt: new Date().toISOString() }],
        }),
      );
      taken = received.documentId;
    } catch (error) {
      if (isDefiniteRefusal(error)) {
        await discard(documentId);
        throw fromWorkflowRefusal(error);
      }
      // The workflow may have taken it: keep the file; sending it again settles which.
      logger.warn({ err: { message: (error as Error).message }, checkId: context.checkId, documentId }, 'upload stored but not confirmed by the workflow');
      throw refuse.unavailable('we received your file but could not confirm it yet; please send it again shortly', UNCONFIRMED_RETRY_AFTER_SECONDS);
    }
    if (taken !== documentId) await discard(documentId);
    return taken;
  }
}

/** The file's type from its bytes; an image's header is read so a pixel bomb is refused before any decoding. */
async function sniffUpload(bytes: Buffer): Promise<string> {
  const contentType = sniffType(bytes.subarray(0, 4100));
  if (!contentType) throw refuse.unsupportedType('send a JPEG, PNG or WebP photo, or a PDF');
  if (contentType !== 'application/pdf') {
    try {
      await readImageHeader(bytes);
    } catch (error) {
      if (isDocumentRejected(error) && error.reason === 'too_large_dimensions') throw refuse.fileTooLarge(error.message);
      if (isDocumentRejected(error)) throw refuse.unsupportedType(error.message);
      throw error;
    }
  }
  return contentType;
}

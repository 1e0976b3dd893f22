/**
 * The customer's side (API.md, "Customer"): the token in the link is the
 * credential. Uploads are checked by their bytes, encrypted and stored before
 * the answer, and only then handed to the check's workflow by id.
 *
 * An upload's costs, in order, each bounded before the next is paid:
 * - an unknown token costs one indexed read and is not charged to the address's
 *   upload budget (a shared address keeps its budget); an address whose unknown
 *   tokens exceed their own budget is refused before the read;
 * - a known token is charged to its address and to itself, then the check's
 *   workflow is asked whether it is waiting;
 * - only then is the body read, within a per-process budget of bytes in memory
 *   (503 with `retryAfterSeconds` when full, before anything is read or stored).
 *
 * Retries cannot double a document: the workflow update's id is derived from the
 * check, round, kind and the file's SHA-256, and Temporal answers a repeated
 * update id with the first update's outcome, so sending the same file again
 * returns the document the check already has. A stored file is deleted only
 * when the workflow definitely refused it (its validator's ApplicationFailure);
 * when the outcome is unknown (no answer within UPLOAD_CONFIRM_TIMEOUT, a lost
 * connection) it is kept — the
 * workflow may hold it — and the answer is 503: sending the file again resolves
 * it either way. A kept file the check never took is destroyed with the
 * check's documents when its retention ends.
 */
import { createHmac, randomBytes, webcrypto } from 'node:crypto';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Config } from '../../config';
import { documentKinds, type DocumentKind } from '../../domain/order';
import type { CheckState } from '../../domain/check';
import { tokenHash } from '../../lib/crypto';
import { keyRing } from '../../lib/documentKeys';
import { logger } from '../../lib/logger';
import { workflowIdFor } from '../../workflows/names';
import { DocumentModel, VerificationModel } from '../../models';
import { documentReceivedUpdate } from '../../workflows/messages';
import { fromWorkflowRefusal } from '../workflowErrors';
import { sniffType } from '../../documents/sniff';
import { encryptBuffer, newDataKey } from '../../documents/envelope';
import { readImageHeader } from '../../documents/image';
import { isDocumentRejected } from '../../documents/errors';
import { blobStore } from '../../documents/storage';
import { ApiError, invalidRequest } from '../errors';
import { fixedWindowLimiter } from '../rateLimit';
import { currentCheck } from '../storedChecks';
import { InFlightBytes } from '../inFlightBytes';

/** The largest file a customer may upload (a phone photo is 2–8 MB). */
export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;
/** Upload bodies one API process holds in memory at once (about 4 of the largest files, 20 typical photos). */
export const UPLOAD_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;
/** Multipart framing and the `kind` field around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** When the outcome of handing a stored file to the workflow is unknown: retry after this. */
const UNCONFIRMED_RETRY_AFTER_SECONDS = 5;

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a verification token');
const kindSchema = z.enum(documentKinds);

interface TokenRecord {
  checkId: string;
  orderId: string;
  round: number;
}

interface TokenContext extends TokenRecord {
  state: CheckState;
}

/** The workflow's validator refused the update: it definitely did not take the document. */
function isDefiniteRefusal(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure;
}

export function verificationRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const ring = keyRing(config);
  const blobs = blobStore(config);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 256, fieldNameSize: 32, parts: 6, headerPairs: 50 },
  }).single('file');
  const inMemory = new InFlightBytes(UPLOAD_MEMORY_BUDGET_BYTES, MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES);
  // Per link and per address: a leaked link cannot be used to flood storage. Both are charged
  // only for known tokens; unknown ones have their own budget per address (one read each).
  const perToken = fixedWindowLimiter({ limit: 20, windowMs: 10 * 60_000 });
  const perIp = fixedWindowLimiter({ limit: 60, windowMs: 10 * 60_000 });
  const unknownPerIp = fixedWindowLimiter({ limit: 600, windowMs: 10 * 60_000, what: 'requests with unknown links' });

  const gone = () => new ApiError(404, 'not_found', 'this verification link is unknown or has expired');

  /** The token's record: a shape check, then one indexed read. */
  async function lookup(raw: unknown): Promise<TokenRecord> {
    const token = tokenSchema.safeParse(raw);
    if (!token.success) throw gone();
    const record = await VerificationModel.findById(tokenHash(token.data)).lean();
    if (!record || record.expiresAt.getTime() <= Date.now()) throw gone();
    return { checkId: record.checkId, orderId: record.orderId, round: record.round };
  }

  /** The check of a known token, from its workflow: still the current round (and, if asked, still waiting). */
  async function checkOf(record: TokenRecord, { mustBeWaiting }: { mustBeWaiting: boolean }): Promise<TokenContext> {
    // Stored once final (its workflow may have completed), live while open.
    const state = await currentCheck(temporal, record.orderId).catch(() => undefined);
    if (!state) throw gone();
    // A newer round replaces this link.
    if (state.verification && state.verification.round !== record.round) throw gone();
    if (mustBeWaiting && state.status !== 'awaiting_documents') {
      throw new ApiError(409, 'invalid_state', 'we are not waiting for documents on this order any more');
    }
    return { ...record, state };
  }

  router.get('/v1/verification/:token', async (req, res) => {
    const { state, round } = await checkOf(await lookup(req.params.token), { mustBeWaiting: false });
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      status: state.status,
      requested: state.verification?.requested ?? [],
      expiresAt: state.verification?.expiresAt ?? null,
      round,
      documents: state.documents
        .filter((d) => d.round === round)
        .map(({ documentId, kind, status, reason, uploadedAt }) => ({ documentId, kind, status, reason, uploadedAt })),
    });
  });

  router.post('/v1/verification/:token/documents', async (req, res) => {
    const ip = req.ip ?? 'unknown';
    unknownPerIp.check(ip);
    let record: TokenRecord;
    try {
      record = await lookup(req.params.token);
    } catch (error) {
      const lookedUp = error instanceof ApiError && error.status === 404 && tokenSchema.safeParse(req.params.token).success;
      if (lookedUp) unknownPerIp(ip); // an unknown link that cost a read
      throw error;
    }
    perIp(ip);
    perToken(String(req.params.token));
    const context = await checkOf(record, { mustBeWaiting: true });

    const reservation = inMemory.reserve(req);
    try {
      await receive(upload, req, res);
      const { kind, file } = checkUpload(req, context);
      const contentType = await sniffUpload(file.buffer);
      const documentId = await store(context, kind, file, contentType);
      const taken = await handOver(context, kind, documentId, file.buffer);
      res.status(202).json({ documentId: taken, kind, status: 'processing' });
    } finally {
      reservation.release();
    }
  });

  /** The multipart fields, checked against what the check asked for. */
  function checkUpload(req: Request, context: TokenContext): { kind: DocumentKind; file: Express.Multer.File } {
    const file = req.file;
    const kind = kindSchema.safeParse(req.body?.kind);
    if (!kind.success) throw invalidRequest(kind.error, 'field "kind"');
    if (!file || file.size === 0) throw new ApiError(400, 'invalid_request', 'attach the document as the multipart field "file"');
    if (!context.state.verification?.requested.includes(kind.data)) {
      throw new ApiError(400, 'invalid_request', `"${kind.data}" was not requested (requested: ${context.state.verification?.requested.join(', ')})`);
    }
    return { kind: kind.data, file };
  }

  /** The file's type from its bytes; an image's header is read so a pixel bomb is refused before any decoding. */
  async function sniffUpload(bytes: Buffer) {
    const contentType = sniffType(bytes.subarray(0, 4100));
    if (!contentType) throw new ApiError(415, 'unsupported_type', 'send a JPEG, PNG or WebP photo, or a PDF');
    if (contentType !== 'application/pdf') {
      try {
        await readImageHeader(bytes);
      } catch (error) {
        if (isDocumentRejected(error) && error.reason === 'too_large_dimensions') {
          throw new ApiError(413, 'file_too_large', error.message);
        }
        if (isDocumentRejected(error)) throw new ApiError(415, 'unsupported_type', error.message);
        throw error;
      }
    }
    return contentType;
  }

  /** Encrypts and stores the file and its record under a new id; on failure nothing of it is left. */
  async function store(context: TokenContext, kind: DocumentKind, file: Express.Multer.File, contentType: string): Promise<string> {
    const documentId = `doc_${randomBytes(12).toString('base64url')}`;
    const { dataKey, wrapped } = newDataKey(ring);
    const sealed = encryptBuffer(dataKey, file.buffer, `${documentId}:original`);
    try {
      await blobs.put(`${documentId}/original`, sealed.ciphertext);
      await DocumentModel.create({
        _id: documentId,
        checkId: context.checkId,
        orderId: context.orderId,
        kind,
        round: context.round,
        status: 'processing',
        contentType,
        size: file.size,
        dataKey: wrapped,
        blobs: { original: { iv: sealed.iv, tag: sealed.tag, size: sealed.ciphertext.length, contentType } },
        uploadedAt: new Date(),
      });
    } catch (error) {
      // The workflow has not seen this id: nothing of it may stay.
      await discard(documentId);
      logger.warn({ err: { message: (error as Error).message }, checkId: context.checkId, documentId }, 'storing an upload failed');
      throw new ApiError(503, 'temporarily_unavailable', 'we could not store your file right now; please retry shortly', { retryAfterSeconds: UNCONFIRMED_RETRY_AFTER_SECONDS });
    }
    return documentId;
  }

  /**
   * Hands the stored document to the check's workflow and returns the id the check holds for
   * this upload: `documentId`, or the one an earlier attempt with the same file already gave it
   * (then the new copy is not needed and is deleted).
   */
  async function handOver(context: TokenContext, kind: DocumentKind, documentId: string, bytes: Buffer): Promise<string> {
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
      throw new ApiError(503, 'temporarily_unavailable', 'we received your file but could not confirm it yet; please send it again shortly', {
        retryAfterSeconds: UNCONFIRMED_RETRY_AFTER_SECONDS,
      });
    }
    if (taken !== documentId) await discard(documentId);
    return taken;
  }

  async function discard(documentId: string): Promise<void> {
    await Promise.allSettled([blobs.deleteDocument(documentId), DocumentModel.deleteOne({ _id: documentId })]);
  }

  router.get('/verify/:token', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(path.join(webRoot, 'verify', 'index.html'));
  });

  return router;
}

export const webRoot = path.resolve(__dirname, '..', '..', 'web');

/** Runs multer and turns its limit errors into the contract's answers. */
function receive(upload: ReturnType<ReturnType<typeof multer>['single']>, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    upload(req, res, (error: unknown) => {
      if (!error) return resolve();
      if (error instanceof multer.MulterError) {
        if (error.code === 'LIMIT_FILE_SIZE') {
          return reject(new ApiError(413, 'file_too_large', `the file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`));
        }
        return reject(new ApiError(400, 'invalid_request', `malformed upload: ${error.message}${error.field ? ` (field "${error.field}")` : ''}`));
      }
      const message = (error as Error).message ?? 'malformed upload';
      reject(new ApiError(400, 'invalid_request', `malformed upload: ${message}`));
    });
  });
}

/**
 * The customer's side (API.md, "Customer"): the token in the link is the
 * credential. Uploads are checked by their bytes, encrypted and stored before
 * the answer, and only then handed to the check's workflow by id.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { documentKinds } from '../../domain/order';
import type { CheckState } from '../../domain/check';
import { tokenHash } from '../../lib/crypto';
import { keyRing } from '../../lib/documentKeys';
import { workflowIdFor } from '../../lib/temporal';
import { DocumentModel, VerificationModel } from '../../models';
import { documentReceivedUpdate, stateQuery } from '../../workflows/messages';
import { fromWorkflowRefusal } from '../workflowErrors';
import { sniffType } from '../../documents/sniff';
import { encryptBuffer, newDataKey } from '../../documents/envelope';
import { readImageHeader } from '../../documents/image';
import { isDocumentRejected } from '../../documents/errors';
import { blobStore } from '../../documents/storage';
import { ApiError, invalidRequest } from '../errors';
import { fixedWindowLimiter } from '../rateLimit';

/** The largest file a customer may upload (a phone photo is 2–8 MB). */
export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a verification token');
const kindSchema = z.enum(documentKinds);

interface TokenContext {
  checkId: string;
  orderId: string;
  round: number;
  state: CheckState;
}

export function verificationRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const ring = keyRing(config);
  const blobs = blobStore(config);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 256, fieldNameSize: 32, parts: 6, headerPairs: 50 },
  }).single('file');
  // Per link and per address: a leaked link cannot be used to flood storage.
  const perToken = fixedWindowLimiter({ limit: 20, windowMs: 10 * 60_000 });
  const perIp = fixedWindowLimiter({ limit: 60, windowMs: 10 * 60_000 });

  /** Finds the check of a token that still works: known, not expired, the current round, still waiting. */
  async function resolve(raw: unknown, { mustBeWaiting }: { mustBeWaiting: boolean }): Promise<TokenContext> {
    const token = tokenSchema.safeParse(raw);
    const gone = new ApiError(404, 'not_found', 'this verification link is unknown or has expired');
    if (!token.success) throw gone;
    const record = await VerificationModel.findById(tokenHash(token.data)).lean();
    if (!record || record.expiresAt.getTime() <= Date.now()) throw gone;
    let state: CheckState;
    try {
      state = await temporal.workflow.getHandle(workflowIdFor(record.orderId)).query(stateQuery);
    } catch {
      throw gone;
    }
    // A newer round replaces this link.
    if (state.verification && state.verification.round !== record.round) throw gone;
    if (mustBeWaiting && state.status !== 'awaiting_documents') {
      throw new ApiError(409, 'invalid_state', 'we are not waiting for documents on this order any more');
    }
    return { checkId: record.checkId, orderId: record.orderId, round: record.round, state };
  }

  router.get('/v1/verification/:token', async (req, res) => {
    const { state, round } = await resolve(req.params.token, { mustBeWaiting: false });
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
    perIp(req.ip ?? 'unknown');
    const context = await resolve(req.params.token, { mustBeWaiting: true });
    perToken(String(req.params.token));
    await receive(upload, req, res);
    const file = req.file;
    const kind = kindSchema.safeParse(req.body?.kind);
    if (!kind.success) throw invalidRequest(kind.error, 'field "kind"');
    if (!file || file.size === 0) throw new ApiError(400, 'invalid_request', 'attach the document as the multipart field "file"');
    if (!context.state.verification?.requested.includes(kind.data)) {
      throw new ApiError(400, 'invalid_request', `"${kind.data}" was not requested (requested: ${context.state.verification?.requested.join(', ')})`);
    }
    const contentType = sniffType(file.buffer.subarray(0, 4100));
    if (!contentType) throw new ApiError(415, 'unsupported_type', 'send a JPEG, PNG or WebP photo, or a PDF');
    if (contentType !== 'application/pdf') {
      try {
        await readImageHeader(file.buffer); // refuses a pixel bomb from its header, before any decoding
      } catch (error) {
        if (isDocumentRejected(error) && error.reason === 'too_large_dimensions') {
          throw new ApiError(413, 'file_too_large', error.message);
        }
        if (isDocumentRejected(error)) throw new ApiError(415, 'unsupported_type', error.message);
        throw error;
      }
    }

    const documentId = `doc_${randomBytes(12).toString('base64url')}`;
    const { dataKey, wrapped } = newDataKey(ring);
    const sealed = encryptBuffer(dataKey, file.buffer, `${documentId}:original`);
    const uploadedAt = new Date();
    try {
      await blobs.put(`${documentId}/original`, sealed.ciphertext);
      await DocumentModel.create({
        _id: documentId,
        checkId: context.checkId,
        orderId: context.orderId,
        kind: kind.data,
        round: context.round,
        status: 'processing',
        contentType,
        size: file.size,
        dataKey: wrapped,
        blobs: { original: { iv: sealed.iv, tag: sealed.tag, size: sealed.ciphertext.length, contentType } },
        uploadedAt,
      });
      await temporal.workflow
        .getHandle(workflowIdFor(context.orderId))
        .executeUpdate(documentReceivedUpdate, { args: [{ documentId, kind: kind.data, round: context.round, uploadedAt: uploadedAt.toISOString() }] });
    } catch (error) {
      // Nothing half-written: the workflow did not take the document, so it is not kept.
      await Promise.allSettled([blobs.deleteDocument(documentId), DocumentModel.deleteOne({ _id: documentId })]);
      throw fromWorkflowRefusal(error);
    }
    res.status(202).json({ documentId, kind: kind.data, status: 'processing' });
  });

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

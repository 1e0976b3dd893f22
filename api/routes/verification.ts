/**
 * The customer's side (`/openapi.json`, README "Architecture"): parse → app/verification.ts → present.
 * What stays here is HTTP: an upload's costs, in order, each bounded before the
 * next is paid:
 * - an unknown token costs one indexed read and is not charged to the address's
 *   upload budget (a shared address keeps its budget); an address whose unknown
 *   tokens exceed their own budget is refused before the read;
 * - a known token is charged to its address and to itself, then the check's
 *   workflow is asked whether it is waiting;
 * - only then is the body read, within a per-process budget of bytes in memory
 *   (503 with `retryAfterSeconds` when full, before anything is read or stored).
 * How a file is checked, sealed and handed over (and why retries cannot double
 * it) is app/verification.ts.
 */
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { documentKinds } from '../../domain/order';
import { refuse, Refusal } from '../../domain/errors';
import { verificationService, type LinkRecord } from '../../app/verification';
import { parseOr } from '../errors';
import { fixedWindowLimiter } from '../rateLimit';
import { InFlightBytes } from '../inFlightBytes';

/** The largest file a customer may upload (a phone photo is 2–8 MB). */
export const MAX_UPLOAD_BYTES = 15 * 1024 * 1024;
/** Upload bodies one API process holds in memory at once (about 4 of the largest files, 20 typical photos). */
export const UPLOAD_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;
/** Multipart framing and the `kind` field around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a verification token');
const kindSchema = z.enum(documentKinds);

export function verificationRouter(config: Config, temporal: Client): Router {
  const router = Router();
  const links = verificationService(config, temporal);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 256, fieldNameSize: 32, parts: 6, headerPairs: 50 },
  }).single('file');
  const inMemory = new InFlightBytes(UPLOAD_MEMORY_BUDGET_BYTES, MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES);
  // Per link and per address: a leaked link cannot be used to flood storage. Both are charged
  // only for known tokens; unknown ones have their own budget per address (one read each).
  const perToken = fixedWindowLimiter({ limit: 20, windowMs: 10 * 60_000 });
  const perIp = fixedWindowLimiter({ limit: config.uploads.perAddress, windowMs: 10 * 60_000 });
  const unknownPerIp = fixedWindowLimiter({ limit: 600, windowMs: 10 * 60_000, what: 'requests with unknown links' });

  /** A malformed token is as unknown as one that is not found (and costs no read). */
  async function lookup(raw: unknown): Promise<LinkRecord> {
    const token = tokenSchema.safeParse(raw);
    if (!token.success) throw refuse.gone('this verification link is unknown or has expired');
    return links.lookup(token.data);
  }

  router.get('/v1/verification/:token', async (req, res) => {
    const context = await links.checkOf(await lookup(req.params.token), { mustBeWaiting: false });
    res.setHeader('Cache-Control', 'no-store');
    res.json(links.page(context));
  });

  router.post('/v1/verification/:token/documents', async (req, res) => {
    const ip = req.ip ?? 'unknown';
    unknownPerIp.check(ip);
    let record: LinkRecord;
    try {
      record = await lookup(req.params.token);
    } catch (error) {
      const lookedUp = error instanceof Refusal && error.code === 'not_found' && tokenSchema.safeParse(req.params.token).success;
      if (lookedUp) unknownPerIp(ip); // an unknown link that cost a read
      throw error;
    }
    perIp(ip);
    perToken(String(req.params.token));
    const context = await links.checkOf(record, { mustBeWaiting: true });

    const reservation = inMemory.reserve(req);
    try {
      await receive(upload, req, res);
      const kind = parseOr(kindSchema, req.body?.kind, 'field "kind"');
      const file = req.file;
      if (!file || file.size === 0) throw refuse.invalidRequest('attach the document as the multipart field "file"');
      links.checkKind(context, kind);
      const documentId = await links.receive(context, kind, file.buffer);
      res.status(202).json({ documentId, kind, status: 'processing' });
    } finally {
      reservation.release();
    }
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
          return reject(refuse.fileTooLarge(`the file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`));
        }
        return reject(refuse.invalidRequest(`malformed upload: ${error.message}${error.field ? ` (field "${error.field}")` : ''}`));
      }
      const message = (error as Error).message ?? 'malformed upload';
      reject(refuse.invalidRequest(`malformed upload: ${message}`));
    });
  });
}

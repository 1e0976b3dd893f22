/**
 * Document processing, on the `documents` task queue (image and PDF work scales
 * apart from decisions). Reads the encrypted original, checks it (sharp for
 * images: metadata stripped, re-encoded preview and thumbnail, quality; a
 * bounded parser for PDFs), fingerprints it and looks for the same document on
 * other customers' checks. Idempotent: a processed document returns its result.
 */
import type { Config } from '../config';
import type { DocumentKind } from '../domain/order';
import type { DocumentStatus, DuplicateMatch } from '../domain/check';
import { DocumentModel } from '../models';
import { keyRing } from '../lib/documentKeys';
import { decryptBufferOffThread, encryptBuffer, unwrapDataKey, type WrappedKey } from '../documents/envelope';
import { blobStore } from '../documents/storage';
import { hammingDistance, phashBands, processImage } from '../documents/image';
import { inspectPdf } from '../documents/pdf';
import { isDocumentRejected } from '../documents/errors';

/** Perceptual hashes this close are the same document photographed or re-encoded. */
export const NEAR_DUPLICATE_DISTANCE = 6;

export interface ProcessResult {
  status: Exclude<DocumentStatus, 'processing'>;
  reason: string | null;
  flags: string[];
  duplicates: (DuplicateMatch & { orderId: string })[];
}

export function createDocumentActivities(config: Config) {
  const ring = keyRing(config);
  const store = blobStore(config);

  async function findDuplicates(documentId: string, checkId: string, sha256: string, phash?: string) {
    const exact = await DocumentModel.find({ sha256 }, { checkId: 1, orderId: 1 }).lean();
    const near = phash
      ? (await Promise.all(phashBands(phash).map((band) => DocumentModel.find({ phashBands: band }, { checkId: 1, orderId: 1, phash: 1 }).lean()))).flat()
      : [];
    const matches = new Map<string, DuplicateMatch & { orderId: string }>();
    for (const d of exact) {
      if (d.checkId !== checkId) matches.set(d._id, { checkId: d.checkId, orderId: d.orderId, documentId: d._id, distance: 0, exact: true });
    }
    for (const d of near) {
      if (d.checkId === checkId || matches.has(d._id) || !d.phash) continue;
      const distance = hammingDistance(phash!, d.phash);
      if (distance <= NEAR_DUPLICATE_DISTANCE) matches.set(d._id, { checkId: d.checkId, orderId: d.orderId, documentId: d._id, distance, exact: false });
    }
    matches.delete(documentId);
    return [...matches.values()];
  }

  return {
    async processDocument(input: { documentId: string; checkId: string; orderId: string; kind: DocumentKind }): Promise<ProcessResult> {
      const doc = await DocumentModel.findById(input.documentId).lean();
      if (!doc || !doc.dataKey || !doc.blobs?.original?.iv) return { status: 'rejected', reason: 'unreadable', flags: [], duplicates: [] };
      const dataKey = unwrapDataKey(ring, doc.dataKey as WrappedKey);
      const ciphertext = await store.get(`${doc._id}/original`);
      if (!ciphertext) return { status: 'rejected', reason: 'unreadable', flags: [], duplicates: [] };
      const original = await decryptBufferOffThread(dataKey, { iv: doc.blobs.original.iv, tag: doc.blobs.original.tag!, ciphertext }, `${doc._id}:original`);

      let update: Record<string, unknown>;
      let sha256: string;
      let phash: string | undefined;
      let status: ProcessResult['status'] = 'accepted';
      let reason: string | null = null;
      const flags: string[] = [];
      try {
        if (doc.contentType === 'application/pdf') {
          const pdf = await inspectPdf(original);
          sha256 = pdf.sha256;
          update = { pages: pdf.pages };
        } else {
          const image = await processImage(original);
          sha256 = image.sha256;
          phash = image.phash;
          const blobs: Record<string, unknown> = {};
          for (const variant of ['preview', 'thumbnail'] as const) {
            const sealed = encryptBuffer(dataKey, image[variant], `${doc._id}:${variant}`);
            await store.put(`${doc._id}/${variant}`, sealed.ciphertext);
            blobs[`blobs.${variant}`] = { iv: sealed.iv, tag: sealed.tag, size: sealed.ciphertext.length, contentType: 'image/jpeg' };
          }
          update = { ...blobs, width: image.width, height: image.height, quality: image.quality, phash, phashBands: phashBands(phash) };
          if (image.rejection) {
            status = 'rejected';
            reason = image.rejection;
            flags.push(image.rejection);
          }
        }
      } catch (error) {
        if (!isDocumentRejected(error)) throw error; // infrastructure: Temporal retries
        await DocumentModel.updateOne({ _id: doc._id }, { $set: { status: 'rejected', reason: error.reason, processedAt: new Date() } });
        return { status: 'rejected', reason: error.reason, flags: [error.reason], duplicates: [] };
      }
      const duplicates = await findDuplicates(doc._id, input.checkId, sha256, phash);
      if (duplicates.length > 0) flags.push('duplicate');
      await DocumentModel.updateOne({ _id: doc._id }, { $set: { ...update, sha256, status, reason, flags, processedAt: new Date() } });
      return { status, reason, flags, duplicates };
    },
  };
}

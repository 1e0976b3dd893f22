/*
 * Document bytes as blob: URLs. An <img src> cannot carry the Authorization header,
 * so variants are fetched through the API client and shown from blob: URLs, which
 * are revoked when the case is left (or the reviewer signs out).
 */
/* global document */
import { casePath, fetchBlob } from './api.js';
import { h } from './dom.js';

const BLOB_RETRY_MS = 30000;

const blobs = new Map(); // `${checkId}:${documentId}:${variant}` -> { promise: Promise<{ url, type }>, failedAt }

/** A document variant's blob: URL and type, fetched once per case. */
export function documentBlob(checkId, documentId, variant) {
  const key = `${checkId}:${documentId}:${variant}`;
  const cached = blobs.get(key);
  // Every fetch is audited server-side, so fetch once per case; a failure is
  // remembered for a while (re-renders must not hammer the API) and then retried.
  if (cached && !(cached.failedAt && Date.now() - cached.failedAt > BLOB_RETRY_MS)) return cached.promise;
  const entry = { promise: null, failedAt: 0 };
  entry.promise = (async () => {
    const { blob, type } = await fetchBlob(`${casePath(checkId)}/documents/${encodeURIComponent(documentId)}/content?variant=${variant}`);
    return { url: URL.createObjectURL(blob), type };
  })();
  entry.promise.catch(() => (entry.failedAt = Date.now()));
  blobs.set(key, entry);
  return entry.promise;
}

export function revokeBlobs() {
  for (const entry of blobs.values()) {
    entry.promise.then((b) => URL.revokeObjectURL(b.url)).catch(() => {});
  }
  blobs.clear();
}

/** Saves a blob: URL as a file (used for PDFs and other originals). */
export function download(url, filename) {
  const a = h('a', { href: url, download: filename, className: 'sr-only' });
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Why a document is refused, and what we may tell the customer about it.
 *
 * Two kinds of refusal share one vocabulary:
 * - hard refusals, thrown as `DocumentRejected` while sniffing / decoding / inspecting a file
 *   (the bytes cannot or must not be processed at all);
 * - quality refusals, returned by `processImage` as `rejection` (the image decoded fine but a
 *   reviewer could not use it).
 *
 * Messages are written for customers: they never contain parser output, file names or paths.
 * The technical cause (a sharp / pdf.js error) travels in `Error.cause` for logs only.
 */

/** Reasons thrown as `DocumentRejected`: the file cannot be processed. */
export type HardRejectionReason =
  | 'unreadable'
  | 'unsupported_type'
  | 'too_large_dimensions'
  | 'file_too_large'
  | 'encrypted'
  | 'scripted'
  | 'attachments'
  | 'too_many_pages';

/** Reasons returned by `processImage` as `rejection`: the image is readable but not usable. */
export type QualityRejectionReason = 'too_small' | 'blurry' | 'too_dark' | 'overexposed' | 'unreadable';

export type RejectionReason = HardRejectionReason | QualityRejectionReason;

/** One customer-safe sentence per reason (also usable for a document's `rejected` status). */
export const REJECTION_MESSAGES: Readonly<Record<RejectionReason, string>> = {
  unreadable: 'We could not read this file. Please upload a clear photo or scan of the document.',
  unsupported_type: 'This type of file is not supported. Please upload a JPEG, PNG or WebP photo, or a PDF.',
  too_large_dimensions: 'This image is too large to process. Please upload a smaller photo (at most 40 megapixels).',
  file_too_large: 'This file is too large. Please upload a smaller file.',
  encrypted: 'This PDF is password-protected. Please upload a version without a password.',
  scripted: 'This PDF contains scripts or actions that we cannot accept. Please upload a plain scan or export of the document.',
  attachments: 'This PDF contains attached files, which we cannot accept. Please upload the document on its own.',
  too_many_pages: 'This PDF has too many pages. Please upload only the pages we asked for.',
  too_small: 'This image is too small to read. Please upload a photo of at least 600 × 400 pixels.',
  blurry: 'This image looks blurry. Please hold the camera steady and upload a sharper photo.',
  too_dark: 'This image is too dark. Please take the photo in better light.',
  overexposed: 'This image is too bright or washed out. Please avoid direct light or flash glare.',
};

/** A file we refuse to process. `message` is safe to show to the customer. */
export class DocumentRejected extends Error {
  override readonly name = 'DocumentRejected';
  readonly reason: HardRejectionReason;

  constructor(reason: HardRejectionReason, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? REJECTION_MESSAGES[reason], options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

export function isDocumentRejected(err: unknown): err is DocumentRejected {
  return err instanceof DocumentRejected;
}

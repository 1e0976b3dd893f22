/**
 * What a file is, judged from its first bytes only — never from its name or the client's
 * Content-Type. Hand-written magic-byte checks (no dependency): we accept exactly four types,
 * the checks are a handful of byte comparisons, and they are synchronous, so the API can refuse
 * a file from the first chunk of the upload stream. (`file-type` would add an ESM-only, async
 * dependency to recognise hundreds of formats we refuse anyway.)
 *
 * A match says only "this starts like a JPEG"; the decoder (sharp / pdf.js) decides whether the
 * rest is valid. A polyglot (JPEG + trailing HTML) sniffs as JPEG and is defanged by re-encoding.
 */

export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf'] as const;
export type AcceptedType = (typeof ACCEPTED_TYPES)[number];
export type ImageType = Exclude<AcceptedType, 'application/pdf'>;

/** How many leading bytes `sniffType` needs to decide. */
export const SNIFF_BYTES = 12;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function startsWith(head: Buffer, bytes: Buffer | string, offset = 0): boolean {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return head.length >= offset + b.length && head.subarray(offset, offset + b.length).equals(b);
}

/**
 * The type of a file from its first `SNIFF_BYTES` (more is fine), or `undefined` when it is not
 * one of the accepted types.
 *
 * - JPEG: `FF D8 FF` (SOI followed by the first marker).
 * - PNG: the 8-byte signature `89 50 4E 47 0D 0A 1A 0A`.
 * - WebP: `RIFF` <4-byte size> `WEBP`.
 * - PDF: `%PDF-` at offset 0. (Readers tolerate junk before it within 1 KiB; we do not, so an
 *   HTML-then-PDF polyglot is refused.)
 */
export function sniffType(head: Buffer): AcceptedType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (startsWith(head, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return 'image/webp';
  if (startsWith(head, '%PDF-')) return 'application/pdf';
  return undefined;
}

export function isImageType(type: AcceptedType | undefined): type is ImageType {
  return type === 'image/jpeg' || type === 'image/png' || type === 'image/webp';
}

const EXTENSIONS: Readonly<Record<AcceptedType, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};

/** The file extension (without dot) we use for a sniffed type, e.g. in a download's file name. */
export function extensionFor(type: AcceptedType): string {
  return EXTENSIONS[type];
}

// The raw-bytes scan of a PDF (see documents/pdf.ts for where it sits): flags the names
// /Encrypt, /JavaScript, /JS, /AA, /Launch, /XFA, /RichMedia, /EmbeddedFiles, /EmbeddedFile and
// /FileAttachment anywhere in the file and in the inflated contents of its object streams
// (`/Type /ObjStm`, where PDF 1.5+ writers put most dictionaries), with `#xx` escapes decoded.
//
// Plain ESM JavaScript on purpose: the pdf.js worker thread (pdf.worker.mjs) runs it under that
// thread's timeout and heap limit, without tsx; pdf.ts imports the same module (types in
// pdfScan.d.mts) for its unit tests.
//
// Cost: one forward pass. The file is tokenised once, left to right; stream data is skipped (an
// object-stream's data is inflated once, under a total byte budget), never searched again, and
// each object's dictionary is looked at once. So a file that repeats `/Type /ObjStm` in page
// text, or in a hundred thousand dictionaries without streams, costs what its size costs — the
// old scan searched back and to the end of the file for every such match (quadratic: minutes at
// 4 MB). Every character the scan examines is counted in `charsExamined`, so tests can check
// that the work stays proportional to the input without timing anything.
import { constants as zlibConstants, inflateSync } from 'node:zlib';

/** More dictionaries saying `/Type /ObjStm` than this (outside stream data): not a document we read. */
export const MAX_OBJECT_STREAM_MATCHES = 1000;
/** Total bytes inflated from object streams (zip-bomb guard). */
export const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** The scan refuses the file (too many object streams, or they inflate beyond the budget). */
export class PdfScanLimitError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PdfScanLimitError';
  }
}

const ENCRYPT_NAMES = new Set(['Encrypt']);
const SCRIPT_NAMES = new Set(['JavaScript', 'JS', 'AA', 'Launch', 'XFA', 'RichMedia']);
const ATTACHMENT_NAMES = new Set(['EmbeddedFiles', 'EmbeddedFile', 'FileAttachment']);

// PDF names are '/' then regular characters (anything but white-space and delimiters). The
// flagged ones written plainly, and any name with a #xx escape (decoded, then checked), are all
// the scan needs to look at — cheaper than materialising every name of a text-heavy file.
const REGULAR = String.raw`[^\s/%()<>[\]{}]`;
const FLAGGED = new RegExp(String.raw`\/(${[...ENCRYPT_NAMES, ...SCRIPT_NAMES, ...ATTACHMENT_NAMES].sort((a, b) => b.length - a.length).join('|')})(?!${REGULAR})`, 'g');
const ESCAPED_NAME = new RegExp(String.raw`\/([^\s/%()<>[\]{}#]*#${REGULAR}*)`, 'g');
// What the object walk reacts to. `\b` keeps "endobj" / "endstream" from also matching as
// "obj" / "stream", and a name such as /ObjStmFoo from matching /ObjStm.
const TOKEN = /\bendobj\b|\bobj\b|\bendstream\b|\bstream\b|\/Type\s*\/ObjStm\b/g;
// The /Filter entry of a dictionary: one name, or an array of (at most a few) names. Bounded so
// that a dictionary full of unclosed "/Filter [" costs a constant per occurrence.
const FILTER = /\/Filter\s*(\[[^\]]{0,256}\]|\/[^\s/[\]<>]+)/;
const FILTER_NAME = /\/[^\s/[\]<>]+/g;
const ESCAPE = /#([0-9a-fA-F]{2})/g;

function decodeName(raw) {
  return raw.replace(ESCAPE, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

function flag(name, scan) {
  if (ENCRYPT_NAMES.has(name) && !scan.encrypted.includes(name)) scan.encrypted.push(name);
  if (SCRIPT_NAMES.has(name) && !scan.scripted.includes(name)) scan.scripted.push(name);
  if (ATTACHMENT_NAMES.has(name) && !scan.attachments.includes(name)) scan.attachments.push(name);
}

function collectNames(text, scan) {
  scan.charsExamined += 2 * text.length; // two passes
  FLAGGED.lastIndex = 0;
  for (let match; (match = FLAGGED.exec(text)); ) flag(match[1], scan);
  ESCAPED_NAME.lastIndex = 0;
  for (let match; (match = ESCAPED_NAME.exec(text)); ) flag(decodeName(match[1]), scan);
}

/**
 * Inflates one object stream (FlateDecode only, no predictor; anything else is counted as
 * skipped) and collects the names in it. Returns the bytes inflated.
 */
function inflateObjectStream(input, dict, start, end, budget, scan) {
  scan.charsExamined += dict.length;
  const filters = FILTER.exec(dict)?.[1] ?? '';
  const filterNames = filters.match(FILTER_NAME) ?? [];
  if (filterNames.length !== 1 || (filterNames[0] !== '/FlateDecode' && filterNames[0] !== '/Fl') || dict.includes('/DecodeParms')) {
    scan.skippedStreams++;
    return 0;
  }
  let inflated;
  try {
    inflated = inflateSync(input.subarray(start, end), { maxOutputLength: Math.max(1, budget), finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (err) {
    if (err instanceof RangeError || err?.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PdfScanLimitError('object streams inflate beyond the limit');
    }
    scan.skippedStreams++;
    return 0;
  }
  scan.charsExamined += end - start;
  scan.objectStreams++;
  collectNames(inflated.toString('latin1'), scan);
  return inflated.length;
}

/**
 * Finds the flagged names in the raw bytes and in FlateDecode object streams. Throws
 * `PdfScanLimitError` when the file holds more than `MAX_OBJECT_STREAM_MATCHES` object-stream
 * dictionaries or its object streams inflate beyond `maxInflatedBytes` in total.
 */
export function scanPdfBytes(input, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES) {
  const scan = { encrypted: [], scripted: [], attachments: [], objectStreams: 0, skippedStreams: 0, charsExamined: 0 };
  const text = input.toString('latin1');
  collectNames(text, scan);

  let budget = maxInflatedBytes;
  let matches = 0;
  let objectStart = -1; // where the current object's "obj" keyword is; -1 between objects
  let objStmAt = -1; // where the current object's dictionary says /Type /ObjStm; -1 if it does not
  TOKEN.lastIndex = 0;
  let from = 0;
  for (let token; (token = TOKEN.exec(text)); from = TOKEN.lastIndex) {
    scan.charsExamined += TOKEN.lastIndex - from;
    const word = token[0];
    if (word === 'obj') {
      objectStart = token.index;
      objStmAt = -1;
    } else if (word === 'endobj') {
      objectStart = -1;
      objStmAt = -1;
    } else if (word === 'stream') {
      // Stream data runs to the next "endstream" and is never tokenised: page text that shows
      // "/Type /ObjStm" is text, not a dictionary.
      let start = TOKEN.lastIndex;
      if (text[start] === '\r') start++;
      if (text[start] === '\n') start++;
      const end = text.indexOf('endstream', start);
      scan.charsExamined += (end < 0 ? text.length : end + 'endstream'.length) - start;
      if (end < 0) {
        from = text.length; // the rest of the file is stream data: nothing further can be an object stream
        break;
      }
      if (objStmAt >= 0) {
        const dict = text.slice(objectStart >= 0 ? objectStart : objStmAt, token.index);
        budget -= inflateObjectStream(input, dict, start, end, budget, scan);
      }
      TOKEN.lastIndex = end + 'endstream'.length;
      objectStart = -1;
      objStmAt = -1;
    } else if (word !== 'endstream') {
      // "/Type /ObjStm" in a dictionary.
      if (++matches > MAX_OBJECT_STREAM_MATCHES) {
        throw new PdfScanLimitError(`more than ${MAX_OBJECT_STREAM_MATCHES} object-stream dictionaries`);
      }
      if (objStmAt < 0) objStmAt = token.index;
    }
  }
  scan.charsExamined += text.length - from;
  return scan;
}

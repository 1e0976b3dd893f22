// Inspection of PDFs, run in a worker thread by documents/pdf.ts so that a hostile file can be
// stopped (worker.terminate()) after a timeout, cannot exhaust the main heap, and never holds up
// the main thread (which runs the decision path when one process serves both task queues): the
// file's SHA-256, the raw-bytes scan (pdfScan.mjs) and pdf.js all run here, under one timeout.
// The worker is kept for further jobs (loading pdf.js costs a few hundred ms); pdf.ts replaces it
// after a timeout, a crash, or a number of jobs.
// Plain ESM JavaScript on purpose: it runs without tsx and imports pdf.js's legacy build, which
// is an ES module.
// workerData: { pdfjsUrl }. Job message: { id, data: Uint8Array, maxPages, scan?: { maxInflatedBytes } }
// (without `scan`: pdf.js only).
// Reply: { id, ok: true, pages, sha256?, scripted: string[], attachments: string[] }
//     or { id, ok: false, kind: 'encrypted' | 'scripted' | 'attachments' | 'too_many_pages' | 'unreadable', pages?, error }.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { PdfScanLimitError, scanPdfBytes } from './pdfScan.mjs';

const pdfjs = await import(workerData.pdfjsUrl);

// pdf.js 6 answers with Maps where 5 answered with plain objects.
const count = (found) => (found ? (found instanceof Map ? found.size : Object.keys(found).length) : 0);

async function inspect(data, maxPages) {
  const task = pdfjs.getDocument({
    data,
    // Parse only: no font loading, no code generation from the file, no network, no wasm.
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    useWasm: false,
    enableXfa: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    disableAutoFetch: true,
    disableStream: true,
    stopAtErrors: true,
    verbosity: 0,
  });
  try {
    let doc;
    try {
      doc = await task.promise;
    } catch (err) {
      if (err?.name === 'PasswordException') return { ok: false, kind: 'encrypted', error: err.message };
      return { ok: false, kind: 'unreadable', error: String(err?.message ?? err) };
    }
    const pages = doc.numPages;
    if (!Number.isInteger(pages) || pages < 1) return { ok: false, kind: 'unreadable', error: 'no pages' };
    if (pages > maxPages) return { ok: false, kind: 'too_many_pages', pages, error: `${pages} pages` };

    const scripted = [];
    const attachments = [];
    if (count(await doc.getJSActions()) > 0) scripted.push('document JavaScript (names tree, OpenAction or AA)');
    if (await doc.hasJSActions()) scripted.push('form field JavaScript');
    const files = await doc.getAttachments();
    if (count(files) > 0) attachments.push('EmbeddedFiles');
    for (let i = 1; i <= pages; i++) {
      const page = await doc.getPage(i);
      const pageJs = await page.getJSActions();
      if (count(pageJs) > 0) scripted.push(`page ${i} actions`);
      for (const annot of await page.getAnnotations({ intent: 'any' })) {
        if (count(annot.actions) > 0) scripted.push(`page ${i} annotation actions`);
        if (annot.annotationType === pdfjs.AnnotationType.FILEATTACHMENT || annot.attachment) {
          attachments.push(`page ${i} file attachment`);
        }
      }
      page.cleanup();
    }
    return { ok: true, pages, scripted, attachments };
  } finally {
    await task.destroy();
  }
}

/** Hash and raw scan; a refusal ({ ok: false, ... }) or { sha256 }. */
function scanRaw(data, maxInflatedBytes) {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let scan;
  try {
    scan = scanPdfBytes(bytes, maxInflatedBytes);
  } catch (err) {
    if (err instanceof PdfScanLimitError) return { ok: false, kind: 'unreadable', error: `raw scan: ${err.message}` };
    throw err;
  }
  for (const kind of ['encrypted', 'scripted', 'attachments']) {
    if (scan[kind].length) return { ok: false, kind, error: `raw scan: /${scan[kind].join(' /')}` };
  }
  return { sha256 };
}

async function job({ data, maxPages, scan }) {
  let sha256;
  if (scan) {
    const raw = scanRaw(data, scan.maxInflatedBytes);
    if (!raw.sha256) return raw;
    sha256 = raw.sha256;
  }
  const result = await inspect(data, maxPages);
  return sha256 && result.ok ? { ...result, sha256 } : result;
}

parentPort.on('message', ({ id, ...message }) => {
  job(message).then(
    (result) => parentPort.postMessage({ id, ...result }),
    (err) => parentPort.postMessage({ id, ok: false, kind: 'unreadable', error: String(err?.message ?? err) }),
  );
});
parentPort.postMessage({ ready: true });

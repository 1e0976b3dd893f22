// pdf.js inspection of PDFs, run in a worker thread by documents/pdf.ts so that a hostile file
// can be stopped (worker.terminate()) after a timeout and cannot exhaust the main heap. The
// worker is kept for further jobs (loading pdf.js costs a few hundred ms); pdf.ts replaces it
// after a timeout, a crash, or a number of jobs.
// Plain ESM JavaScript on purpose: it runs without tsx and imports pdf.js's legacy build, which
// is an ES module.
// workerData: { pdfjsUrl }. Job message: { id, data: Uint8Array, maxPages }.
// Reply: { id, ok: true, pages, scripted: string[], attachments: string[] }
//     or { id, ok: false, kind: 'encrypted' | 'too_many_pages' | 'unreadable', pages?, error }.
import { parentPort, workerData } from 'node:worker_threads';

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

parentPort.on('message', ({ id, data, maxPages }) => {
  inspect(data, maxPages).then(
    (result) => parentPort.postMessage({ id, ...result }),
    (err) => parentPort.postMessage({ id, ok: false, kind: 'unreadable', error: String(err?.message ?? err) }),
  );
});
parentPort.postMessage({ ready: true });

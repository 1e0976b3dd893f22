/**
 * PDF documents: accept plain documents, refuse anything that can act or hide things.
 *
 * Two independent checks; a file must pass both:
 *
 * 1. A raw-bytes scan (pdfScan.mjs) for the names `/Encrypt`, `/JavaScript`, `/JS`, `/AA`,
 *    `/Launch`, `/XFA`, `/RichMedia`, `/EmbeddedFiles`, `/EmbeddedFile`, `/FileAttachment`, over
 *    the file and over the inflated contents of its object streams (`/Type /ObjStm`, where
 *    PDF 1.5+ writers put most dictionaries), with `#xx` escapes in names decoded. It is blunt on
 *    purpose: it may also refuse a benign file that merely mentions such a name (e.g. in
 *    uncompressed page text, or an XFA form without scripts). That is acceptable — the customer
 *    can upload a photo or a re-exported PDF instead. It is one linear pass with a cap on
 *    object-stream dictionaries, so its cost follows the file's size.
 * 2. pdf.js (legacy build, parse only: no fonts, no eval, no wasm, no network) opens the
 *    document and reports the page count, document / page / form JavaScript actions, embedded
 *    files and file-attachment annotations.
 *
 * Both, and the file's SHA-256, run in one worker thread (pdf.worker.mjs) with a heap limit and
 * one timeout (default 5 s) over the whole job; a worker that does not answer in time is
 * terminated and replaced. The calling thread — the Temporal worker's, which also runs the
 * decision path when one process serves both task queues — only copies the bytes over. (The heap
 * limit does not cover ArrayBuffers allocated for inflated or decoded streams; the inflate
 * budget and the timeout bound those, and no page content or image is decoded here.) A timeout
 * or a crash of the thread is the file's fault: it is refused as 'unreadable', not retried.
 *
 * Nothing is rendered here; a reviewer downloads the original PDF (served as an attachment).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DocumentRejected, type HardRejectionReason } from './errors';
import { sniffType } from './sniff';
import { DEFAULT_MAX_INFLATED_BYTES, PdfScanLimitError, scanPdfBytes, type PdfScan } from './pdfScan.mjs';

export { DocumentRejected } from './errors';

export interface PdfLimits {
  /** More pages than this → 'too_many_pages'. */
  maxPages: number;
  /** More bytes than this → 'file_too_large'. */
  maxBytes: number;
  /** pdf.js must finish within this, or the file is 'unreadable'. */
  timeoutMs: number;
  /** Upper bound on the bytes inflated from object streams by the raw scan (zip-bomb guard). */
  maxInflatedBytes: number;
}

export const DEFAULT_PDF_LIMITS: Readonly<PdfLimits> = {
  maxPages: 10,
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 5000,
  maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
};

export interface PdfInfo {
  pages: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
}

// --- raw scan -------------------------------------------------------------------------------

export type { PdfScan } from './pdfScan.mjs';
export { MAX_OBJECT_STREAM_MATCHES } from './pdfScan.mjs';

/**
 * Finds the flagged names in the raw bytes and in FlateDecode object streams, in one linear pass
 * (pdfScan.mjs). Throws `DocumentRejected('unreadable')` if the file holds more than
 * `MAX_OBJECT_STREAM_MATCHES` object-stream dictionaries or inflating would exceed
 * `maxInflatedBytes` in total. Runs on the calling thread: `inspectPdf` runs it in the pdf.js
 * worker thread instead, under the timeout.
 */
export function scanPdfTokens(input: Buffer, maxInflatedBytes = DEFAULT_PDF_LIMITS.maxInflatedBytes): PdfScan {
  try {
    return scanPdfBytes(input, maxInflatedBytes);
  } catch (err) {
    if (err instanceof PdfScanLimitError) throw new DocumentRejected('unreadable', { cause: err });
    throw err;
  }
}

// --- pdf.js in a worker -------------------------------------------------------------------

/** What the worker thread is asked: pdf.js alone, or the whole inspection (hash, raw scan, pdf.js). */
interface WorkerJob {
  maxPages: number;
  /** Set: hash and scan the raw bytes first, with this inflate budget. Unset: pdf.js only. */
  scan?: { maxInflatedBytes: number };
}

interface WorkerResult {
  ok: boolean;
  kind?: Extract<HardRejectionReason, 'encrypted' | 'scripted' | 'attachments' | 'too_many_pages' | 'unreadable'>;
  pages?: number;
  /** Hex SHA-256 of the file (when the job scanned it). */
  sha256?: string;
  scripted?: string[];
  attachments?: string[];
  error?: string;
}

export interface PdfStructure {
  pages: number;
  /** What pdf.js found, for logs (never shown to customers). */
  scripted: string[];
  attachments: string[];
}

const PDFJS_URL = pathToFileURL(require.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
const WORKER_FILE = path.join(__dirname, 'pdf.worker.mjs');
/** A worker is replaced after this many jobs (bounds whatever pdf.js might retain). */
const JOBS_PER_WORKER = 100;
/** An idle worker is stopped after this long. */
const IDLE_MS = 60_000;
/** Starting a worker (loading pdf.js) taking longer than this is an infrastructure failure. */
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * One pdf.js worker thread, reused across jobs (loading pdf.js costs ~0.3 s), running one job
 * at a time. A job that times out or crashes the worker gets the worker terminated; the next
 * job starts a fresh one. The worker does not keep the process alive while idle.
 */
class PdfWorkerHost {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private jobs = 0;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private idleTimer: NodeJS.Timeout | undefined;

  run(input: Buffer, job: WorkerJob, timeoutMs: number): Promise<WorkerResult> {
    const result = this.queue.then(() => this.runNow(input, job, timeoutMs));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Promise<Worker> {
    const worker = new Worker(WORKER_FILE, {
      workerData: { pdfjsUrl: PDFJS_URL },
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      execArgv: [], // plain Node: no loader hooks (e.g. tsx's --import) needed or wanted in the worker
      stdout: true, // pdf.js may print; keep it out of our logs
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    // Always listening, so a failure between jobs neither crashes the process (an 'error' event
    // without a listener would) nor leaves a dead worker to be handed the next job.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = undefined;
      }
    });
    this.worker = worker;
    this.jobs = 0;
    return new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('pdf.js worker did not start in time')), STARTUP_TIMEOUT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', fail).off('exit', fail);
      };
      const onMessage = (msg: { ready?: boolean }) => {
        if (!msg.ready) return;
        cleanup();
        resolve(worker);
      };
      const fail = (err: unknown) => {
        cleanup();
        void this.discard(worker);
        reject(err instanceof Error ? err : new Error(`pdf.js worker exited with code ${String(err)}`));
      };
      worker.on('message', onMessage).once('error', fail).once('exit', fail);
    });
  }

  private async discard(worker: Worker): Promise<void> {
    if (this.worker === worker) {
      this.worker = undefined;
      this.ready = undefined;
    }
    await worker.terminate();
  }

  private async runNow(input: Buffer, job: WorkerJob, timeoutMs: number): Promise<WorkerResult> {
    clearTimeout(this.idleTimer);
    if (!this.ready || this.jobs >= JOBS_PER_WORKER) {
      if (this.worker) await this.discard(this.worker);
      this.ready = this.start();
    }
    const worker = await this.ready; // a failed start throws: infrastructure, not the file's fault
    this.jobs++;
    worker.ref();
    const id = this.nextId++;
    const data = new Uint8Array(input.byteLength);
    data.set(input);

    const result = await new Promise<WorkerResult>((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, kind: 'unreadable', error: `timed out after ${timeoutMs} ms` }, true), timeoutMs);
      const onMessage = (msg: WorkerResult & { id?: number }) => {
        if (msg.id === id) finish(msg, false);
      };
      const onError = (err: Error) => finish({ ok: false, kind: 'unreadable', error: err.message }, true);
      const onExit = (code: number) => finish({ ok: false, kind: 'unreadable', error: `worker exited with code ${code}` }, true);
      const finish = (r: WorkerResult, broken: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (broken) void this.discard(worker);
        resolve(r);
      };
      worker.on('message', onMessage).once('error', onError).once('exit', onExit);
      worker.postMessage({ id, data, ...job }, [data.buffer]);
    });

    if (this.worker === worker) {
      worker.unref();
      this.idleTimer = setTimeout(() => void this.close(), IDLE_MS);
      this.idleTimer.unref();
    }
    return result;
  }
}

const host = new PdfWorkerHost();

/** Stops the pdf.js worker thread, if one is running (e.g. at shutdown; it is restarted on demand). */
export function closePdfWorker(): Promise<void> {
  return host.close();
}

/** The worker's answer, or the `DocumentRejected` it stands for. */
function settled(result: WorkerResult, source: string): WorkerResult {
  if (result.ok) return result;
  const kind = result.kind ?? 'unreadable';
  throw new DocumentRejected(kind, { cause: new Error(`${source}: ${result.error ?? kind}`) });
}

/**
 * Opens the PDF with pdf.js in the worker thread (bounded heap, terminated after `timeoutMs`) and
 * reports its page count and active content. Throws `DocumentRejected` ('encrypted',
 * 'too_many_pages', 'unreadable'); does NOT judge scripts/attachments (see `inspectPdf`).
 * Throws a plain Error only if the worker itself cannot start (retry later).
 */
export async function parsePdfStructure(input: Buffer, limits: Pick<PdfLimits, 'maxPages' | 'timeoutMs'>): Promise<PdfStructure> {
  const result = settled(await host.run(input, { maxPages: limits.maxPages }, limits.timeoutMs), 'pdf.js');
  return { pages: result.pages ?? 0, scripted: result.scripted ?? [], attachments: result.attachments ?? [] };
}

/**
 * Checks an uploaded PDF. Returns its page count and SHA-256, or throws `DocumentRejected` with
 * reason 'file_too_large' | 'unsupported_type' | 'encrypted' | 'scripted' | 'attachments' |
 * 'too_many_pages' | 'unreadable'. Everything past the two checks below runs in the worker
 * thread, within `timeoutMs`; a plain Error means the worker could not start (retry later).
 */
export async function inspectPdf(input: Buffer, limits: Partial<PdfLimits> = {}): Promise<PdfInfo> {
  const l: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...limits };
  if (input.length > l.maxBytes) throw new DocumentRejected('file_too_large');
  if (sniffType(input) !== 'application/pdf') throw new DocumentRejected('unsupported_type');

  const result = settled(await host.run(input, { maxPages: l.maxPages, scan: { maxInflatedBytes: l.maxInflatedBytes } }, l.timeoutMs), 'inspection');
  if (result.scripted?.length) throw new DocumentRejected('scripted', { cause: new Error(`pdf.js: ${result.scripted.join('; ')}`) });
  if (result.attachments?.length) throw new DocumentRejected('attachments', { cause: new Error(`pdf.js: ${result.attachments.join('; ')}`) });
  if (!result.sha256) throw new Error('the PDF worker answered without a hash');
  return { pages: result.pages ?? 0, sha256: result.sha256 };
}

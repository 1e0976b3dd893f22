/**
 * PDF documents: accept plain documents, refuse anything that can act or hide things.
 *
 * Two independent checks; a file must pass both:
 *
 * 1. A raw-bytes scan (`scanPdfTokens`) for the names `/Encrypt`, `/JavaScript`, `/JS`, `/AA`,
 *    `/Launch`, `/XFA`, `/RichMedia`, `/EmbeddedFiles`, `/EmbeddedFile`, `/FileAttachment`, over
 *    the file and over the inflated contents of its object streams (`/Type /ObjStm`, where
 *    PDF 1.5+ writers put most dictionaries), with `#xx` escapes in names decoded. It is blunt on
 *    purpose: it may also refuse a benign file that merely mentions such a name (e.g. in
 *    uncompressed page text, or an XFA form without scripts). That is acceptable — the customer
 *    can upload a photo or a re-exported PDF instead.
 * 2. pdf.js (legacy build, parse only: no fonts, no eval, no wasm, no network) opens the
 *    document and reports the page count, document / page / form JavaScript actions, embedded
 *    files and file-attachment annotations. It runs in a worker thread (pdf.worker.mjs) with a
 *    heap limit and a timeout (default 5 s); a worker that does not answer in time is
 *    terminated and replaced. (The heap limit does not cover ArrayBuffers pdf.js allocates for
 *    decoded streams; the timeout bounds those, and no page content or image is decoded here.)
 *
 * Nothing is rendered here; a reviewer downloads the original PDF (served as an attachment).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { DocumentRejected } from './errors';
import { sniffType } from './sniff';

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
  maxInflatedBytes: 64 * 1024 * 1024,
};

export interface PdfInfo {
  pages: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
}

// --- raw scan -------------------------------------------------------------------------------

const ENCRYPT_NAMES = new Set(['Encrypt']);
const SCRIPT_NAMES = new Set(['JavaScript', 'JS', 'AA', 'Launch', 'XFA', 'RichMedia']);
const ATTACHMENT_NAMES = new Set(['EmbeddedFiles', 'EmbeddedFile', 'FileAttachment']);

export interface PdfScan {
  /** Distinct flagged names found, e.g. ['JavaScript', 'JS'] (without the slash). */
  encrypted: string[];
  scripted: string[];
  attachments: string[];
  /** Object streams inflated / skipped (unsupported filter or corrupt). */
  objectStreams: number;
  skippedStreams: number;
}

// A PDF name: '/' then regular characters (anything but white-space and delimiters).
const NAME = /\/([^\s/%()<>[\]{}]+)/g;

function decodeName(raw: string): string {
  return raw.includes('#') ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : raw;
}

function collectNames(text: string, scan: PdfScan): void {
  for (const match of text.matchAll(NAME)) {
    const name = decodeName(match[1]);
    if (ENCRYPT_NAMES.has(name) && !scan.encrypted.includes(name)) scan.encrypted.push(name);
    if (SCRIPT_NAMES.has(name) && !scan.scripted.includes(name)) scan.scripted.push(name);
    if (ATTACHMENT_NAMES.has(name) && !scan.attachments.includes(name)) scan.attachments.push(name);
  }
}

/**
 * Finds the flagged names in the raw bytes and in FlateDecode object streams. Throws
 * `DocumentRejected('unreadable')` if inflating would exceed `maxInflatedBytes` in total.
 */
export function scanPdfTokens(input: Buffer, maxInflatedBytes = DEFAULT_PDF_LIMITS.maxInflatedBytes): PdfScan {
  const scan: PdfScan = { encrypted: [], scripted: [], attachments: [], objectStreams: 0, skippedStreams: 0 };
  const text = input.toString('latin1');
  collectNames(text, scan);

  let budget = maxInflatedBytes;
  const objStm = /\/Type\s*\/ObjStm\b/g;
  for (const match of text.matchAll(objStm)) {
    const from = match.index ?? 0;
    const streamAt = text.indexOf('stream', from);
    const endobjAt = text.indexOf('endobj', from);
    if (streamAt < 0 || (endobjAt >= 0 && endobjAt < streamAt)) continue;
    // The dictionary of this object: from its "obj" keyword to "stream".
    const dictStart = text.lastIndexOf(' obj', from);
    const dict = text.slice(dictStart < 0 ? from : dictStart, streamAt);
    let start = streamAt + 'stream'.length;
    if (text[start] === '\r') start++;
    if (text[start] === '\n') start++;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    const filters = dict.match(/\/Filter\s*(\[[^\]]*\]|\/[^\s/[\]<>]+)/)?.[1] ?? '';
    const filterNames = filters.match(/\/[^\s/[\]<>]+/g) ?? [];
    if (filterNames.length !== 1 || !['/FlateDecode', '/Fl'].includes(filterNames[0]) || /\/DecodeParms/.test(dict)) {
      scan.skippedStreams++;
      continue;
    }
    let inflated: Buffer;
    try {
      inflated = inflateSync(input.subarray(start, end), { maxOutputLength: Math.max(1, budget), finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DocumentRejected('unreadable', { cause: new Error('object streams inflate beyond the limit') });
      }
      scan.skippedStreams++;
      continue;
    }
    budget -= inflated.length;
    scan.objectStreams++;
    collectNames(inflated.toString('latin1'), scan);
  }
  return scan;
}

// --- pdf.js in a worker -------------------------------------------------------------------

interface WorkerResult {
  ok: boolean;
  kind?: 'encrypted' | 'too_many_pages' | 'unreadable';
  pages?: number;
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

  run(input: Buffer, maxPages: number, timeoutMs: number): Promise<WorkerResult> {
    const job = this.queue.then(() => this.runNow(input, maxPages, timeoutMs));
    this.queue = job.catch(() => undefined);
    return job;
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

  private async runNow(input: Buffer, maxPages: number, timeoutMs: number): Promise<WorkerResult> {
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
      worker.postMessage({ id, data, maxPages }, [data.buffer]);
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

/**
 * Opens the PDF with pdf.js in a worker thread (bounded heap, terminated after `timeoutMs`) and
 * reports its page count and active content. Throws `DocumentRejected` ('encrypted',
 * 'too_many_pages', 'unreadable'); does NOT judge scripts/attachments (see `inspectPdf`).
 * Throws a plain Error only if the worker itself cannot start (retry later).
 */
export async function parsePdfStructure(input: Buffer, limits: Pick<PdfLimits, 'maxPages' | 'timeoutMs'>): Promise<PdfStructure> {
  const result = await host.run(input, limits.maxPages, limits.timeoutMs);
  if (!result.ok) {
    const kind = result.kind ?? 'unreadable';
    throw new DocumentRejected(kind, { cause: new Error(`pdf.js: ${result.error ?? kind}`) });
  }
  return { pages: result.pages ?? 0, scripted: result.scripted ?? [], attachments: result.attachments ?? [] };
}

/**
 * Checks an uploaded PDF. Returns its page count and SHA-256, or throws `DocumentRejected` with
 * reason 'file_too_large' | 'unsupported_type' | 'encrypted' | 'scripted' | 'attachments' |
 * 'too_many_pages' | 'unreadable'.
 */
export async function inspectPdf(input: Buffer, limits: Partial<PdfLimits> = {}): Promise<PdfInfo> {
  const l: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...limits };
  if (input.length > l.maxBytes) throw new DocumentRejected('file_too_large');
  if (sniffType(input) !== 'application/pdf') throw new DocumentRejected('unsupported_type');

  const scan = scanPdfTokens(input, l.maxInflatedBytes);
  if (scan.encrypted.length) throw new DocumentRejected('encrypted', { cause: new Error(`raw scan: /${scan.encrypted.join(' /')}`) });
  if (scan.scripted.length) throw new DocumentRejected('scripted', { cause: new Error(`raw scan: /${scan.scripted.join(' /')}`) });
  if (scan.attachments.length) throw new DocumentRejected('attachments', { cause: new Error(`raw scan: /${scan.attachments.join(' /')}`) });

  const structure = await parsePdfStructure(input, l);
  if (structure.scripted.length) throw new DocumentRejected('scripted', { cause: new Error(`pdf.js: ${structure.scripted.join('; ')}`) });
  if (structure.attachments.length) throw new DocumentRejected('attachments', { cause: new Error(`pdf.js: ${structure.attachments.join('; ')}`) });

  return { pages: structure.pages, sha256: createHash('sha256').update(input).digest('hex') };
}

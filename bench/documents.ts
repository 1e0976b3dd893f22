/**
 * `npm run bench:documents`: the document pipeline.
 *
 * In process (no server):
 *   - `processImage()` on a 12-megapixel (4000 × 3000) document-like JPEG (the `largeJpeg` fixture);
 *   - `inspectPdf()` on a 2-page PDF made with pdf-lib.
 * End to end, against `benchTarget()` (embedded stack + one worker serving `checks` and
 * `documents` + the API):
 *   - suspicious checks through `POST /v1/checks`, then distinct 12 MP JPEGs uploaded as
 *     `identity` through `POST /v1/verification/<token>/documents` by BENCH_CLIENTS (8) concurrent
 *     clients: upload latency, uploads/s answered 202, and upload → `accepted` (polling
 *     `GET /v1/verification/<token>`);
 *   - peak memory of the API and the worker process (/proc/<pid>/status: VmRSS sampled during
 *     the run, VmHWM at the end).
 *
 * The API limits uploads to 60 per 10 minutes per client IP (per process, in memory) and 20 per
 * link: all uploads here come from 127.0.0.1, so a run makes at most 55 (warm-up included), and
 * one check takes at most 10.
 *
 * Env: BENCH_IMAGE_RUNS (20), BENCH_PDF_RUNS (20), BENCH_UPLOADS (48, capped at 53),
 * BENCH_CLIENTS (8), BENCH_POLL_MS (200), BENCH_E2E=0 to skip the end-to-end part.
 */
import { seededRandom } from '../test/fixtures/random';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { benchTarget, load, summary, type Target } from './lib';
import { largeJpeg, pagePixels } from '../test/fixtures/images';
import { suspiciousOrder } from '../test/fixtures/orders';
import { processImage } from '../documents/image';
import { closePdfWorker, inspectPdf } from '../documents/pdf';
import { createBlobStore } from '../documents/storage';
import { loadConfig } from '../config';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
const log = (m: string) => process.stderr.write(`${m}\n`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Uploads per client IP per 10 minutes (api/routes/verification.ts), and our margin under it. */
const PER_IP_LIMIT = 60;
const UPLOAD_BUDGET = 55;
const WARMUP_UPLOADS = 2;
const UPLOADS_PER_CHECK = 10;

const rng = seededRandom;

/**
 * `count` different 12 MP document JPEGs: the fixture page (paper, header, rows of glyphs) with
 * a photo and two stamps at different places on each, so no two are exact or near duplicates
 * (the pipeline would otherwise match every upload against every earlier one).
 */
async function distinctDocuments(count: number, width = 4000, height = 3000): Promise<Buffer[]> {
  const page = pagePixels({ width, height, seed: 8 });
  const make = async (i: number) => {
    const rand = rng(1000 + i);
    const blocks = [0, 1, 2].map((k) => {
      const w = Math.round(500 + rand() * 700);
      const h = Math.round(400 + rand() * 600);
      const grey = Math.round(30 + rand() * 110);
      return {
        input: { create: { width: w, height: h, channels: 3 as const, background: { r: grey + 10 * k, g: grey, b: grey - 10 + 15 * k } } },
        left: Math.round(rand() * (width - w)),
        top: Math.round(rand() * (height - h)),
      };
    });
    return sharp(page.data, { raw: { width, height, channels: 3 } }).composite(blocks).jpeg({ quality: 88 }).toBuffer();
  };
  const out: Buffer[] = [];
  for (let i = 0; i < count; i += 2) out.push(...(await Promise.all([i, i + 1].filter((j) => j < count).map(make))));
  return out;
}

/** A 2-page A4 "utility bill": header bar, address block, a table of 30 lines per page. */
async function twoPagePdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (let p = 1; p <= 2; p++) {
    const page = pdf.addPage([595, 842]);
    page.drawRectangle({ x: 40, y: 780, width: 515, height: 36, color: rgb(0.1, 0.25, 0.45) });
    page.drawText('City Power & Water — Statement', { x: 52, y: 792, size: 16, font: bold, color: rgb(1, 1, 1) });
    page.drawText(`Page ${p} of 2`, { x: 480, y: 760, size: 9, font });
    ['Ann Lee', '12 Main St', 'Austin, TX 78701', 'Account 4471-0093-22'].forEach((line, i) =>
      page.drawText(line, { x: 52, y: 740 - i * 14, size: 11, font }),
    );
    for (let row = 0; row < 30; row++) {
      const y = 640 - row * 18;
      page.drawText(`2026-${String(1 + (row % 12)).padStart(2, '0')}-${String(1 + row).padStart(2, '0')}`, { x: 52, y, size: 10, font });
      page.drawText(`Usage charge, meter ${1000 + row * 7}, tariff B${row % 4}`, { x: 140, y, size: 10, font });
      page.drawText(`$${(12.34 + row * 3.21).toFixed(2)}`, { x: 480, y, size: 10, font });
      page.drawLine({ start: { x: 52, y: y - 5 }, end: { x: 543, y: y - 5 }, thickness: 0.3, color: rgb(0.7, 0.7, 0.7) });
    }
  }
  return Buffer.from(await pdf.save());
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

// --- process memory ------------------------------------------------------------------------

/** Our API and worker: children of this process running api/main.ts / worker/main.ts in this DATA_DIR. */
function servicePids(dataDir: string): { api?: number; worker?: number } {
  const found: { api?: number; worker?: number } = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`DATA_DIR=${dataDir}`)) continue;
      if (args.some((a) => a.endsWith('api/main.ts'))) found.api = Number(entry);
      if (args.some((a) => a.endsWith('worker/main.ts'))) found.worker = Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** VmRSS and VmHWM (peak resident set) in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

// --- end to end ----------------------------------------------------------------------------

interface Upload {
  token: string;
  documentId: string;
  started: number;
  answered: number;
  done?: number;
  status?: string;
  reason?: string | null;
}

async function endToEnd(target: Target, uploads: number, clients: number, pollMs: number): Promise<string[]> {
  log(`generating ${uploads + WARMUP_UPLOADS} distinct 12 MP document JPEGs ...`);
  const [genMs, images] = await timed(() => distinctDocuments(uploads + WARMUP_UPLOADS));
  const avgBytes = images.reduce((s, b) => s + b.length, 0) / images.length;

  const createCheck = async () => {
    const response = await fetch(`${target.baseUrl}/v1/checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.serviceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(suspiciousOrder()),
    });
    const body = (await response.json()) as { status?: string; verification?: { token: string; requested: string[] } };
    if (body.status !== 'awaiting_documents' || !body.verification?.requested.includes('identity')) {
      throw new Error(`unexpected answer ${response.status} ${JSON.stringify(body)}`);
    }
    return body.verification.token;
  };
  const upload = async (token: string, data: Buffer, n: number): Promise<Upload> => {
    const form = new FormData();
    form.append('kind', 'identity'); // only one of the requested kinds: the check keeps waiting for the others
    form.append('file', new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), `id-${n}.jpg`);
    const started = performance.now();
    const response = await fetch(`${target.baseUrl}/v1/verification/${token}/documents`, { method: 'POST', body: form });
    const body = (await response.json()) as { documentId?: string };
    if (response.status !== 202 || !body.documentId) throw new Error(`upload ${n}: ${response.status} ${JSON.stringify(body)}`);
    return { token, documentId: body.documentId, started, answered: performance.now() };
  };

  // Polls each link's page until every upload on it left `processing`.
  const byToken = new Map<string, Map<string, Upload>>();
  const track = (u: Upload) => {
    if (!byToken.has(u.token)) byToken.set(u.token, new Map());
    byToken.get(u.token)!.set(u.documentId, u);
  };
  let polling = true;
  const pollers = new Map<string, Promise<void>>();
  const poll = (token: string) => {
    if (pollers.has(token)) return;
    pollers.set(
      token,
      (async () => {
        while (polling) {
          const waiting = [...(byToken.get(token)?.values() ?? [])].filter((u) => u.done === undefined);
          if (waiting.length > 0) {
            const response = await fetch(`${target.baseUrl}/v1/verification/${token}`);
            const now = performance.now();
            const page = (await response.json()) as { documents?: { documentId: string; status: string; reason: string | null }[] };
            for (const d of page.documents ?? []) {
              const u = byToken.get(token)!.get(d.documentId);
              if (u && u.done === undefined && d.status !== 'processing') Object.assign(u, { done: now, status: d.status, reason: d.reason });
            }
          }
          await sleep(pollMs);
        }
      })(),
    );
  };
  const allDone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ([...byToken.values()].some((m) => [...m.values()].some((u) => u.done === undefined))) {
      if (Date.now() > deadline) throw new Error('uploads still processing after the timeout');
      await sleep(50);
    }
  };

  // Warm-up: one check, uploads one at a time (also: an upload with nothing else going on).
  log('warm-up uploads ...');
  const warmToken = await createCheck();
  poll(warmToken);
  const alone: Upload[] = [];
  for (let i = 0; i < WARMUP_UPLOADS; i++) {
    const u = await upload(warmToken, images[i], i);
    track(u);
    await allDone(120_000);
    alone.push(u);
  }

  const pids = servicePids(target.env.DATA_DIR!);
  if (!pids.api || !pids.worker) throw new Error(`cannot find the API and worker processes (found ${JSON.stringify(pids)})`);
  const before = { api: memoryOf(pids.api), worker: memoryOf(pids.worker) };
  const peak = { api: before.api.rss, worker: before.worker.rss };
  const sampler = setInterval(() => {
    try {
      peak.api = Math.max(peak.api, memoryOf(pids.api!).rss);
      peak.worker = Math.max(peak.worker, memoryOf(pids.worker!).rss);
    } catch {
      // a process went away: reported by the checks below
    }
  }, 50);

  const checks = Math.max(clients, Math.ceil(uploads / UPLOADS_PER_CHECK));
  log(`creating ${checks} suspicious checks, then ${uploads} uploads by ${clients} concurrent clients ...`);
  const tokens = await Promise.all(Array.from({ length: checks }, createCheck));
  tokens.forEach(poll);
  const done: Upload[] = [];
  const started = performance.now();
  const run = await load(uploads, clients, async (i) => {
    const u = await upload(tokens[i % checks], images[WARMUP_UPLOADS + i], WARMUP_UPLOADS + i);
    track(u);
    done.push(u);
  });
  await allDone(300_000);
  const finished = Math.max(...done.map((u) => u.done!));
  clearInterval(sampler);
  polling = false;
  await Promise.all(pollers.values());
  const after = { api: memoryOf(pids.api), worker: memoryOf(pids.worker) };

  const results = done.reduce<Record<string, number>>((acc, u) => {
    const key = u.status === 'accepted' ? 'accepted' : `${u.status} (${u.reason})`;
    acc[key] = (acc[key] ?? 0) + 1;
    return acc;
  }, {});
  // Where the time goes: storing and reading an original-sized blob in the stack's blob store, from here, with nothing
  // else running (`npm run bench:blobs` compares it with GridFS, where blobs were before).
  const store = createBlobStore(loadConfig(target.env).blobs);
  const blob = randomBytes(Math.round(avgBytes)); // ciphertext is incompressible
  const puts: number[] = [];
  const gets: number[] = [];
  for (let i = 0; i < 6; i++) {
    const name = `doc_bench${randomBytes(12).toString('base64url')}`;
    const [putMs] = await timed(() => store.put(`${name}/original`, blob));
    const [getMs] = await timed(() => store.get(`${name}/original`));
    if (i > 0) puts.push(putMs); // the first is a warm-up
    if (i > 0) gets.push(getMs);
    await store.deleteDocument(name);
  }

  const col = (s: string, w = 14) => s.padStart(w);
  return [
    '',
    `End to end: ${uploads} uploads of distinct 12 MP JPEGs (avg ${mb(avgBytes)}; generated in ${(genMs / 1000).toFixed(1)} s), kind identity,`,
    `  ${clients} concurrent clients over ${checks} checks (≤ ${UPLOADS_PER_CHECK} per check); one worker process serves checks + documents (4 documents at a time).`,
    `  Per-IP limit: ${PER_IP_LIMIT} uploads / 10 min per API process, and every upload here comes from 127.0.0.1, so a run makes`,
    `  at most ${UPLOAD_BUDGET} (this one: ${uploads} + ${WARMUP_UPLOADS} warm-up). Completion is seen by polling GET /v1/verification/<token> every ${pollMs} ms.`,
    summary('alone: upload → 202', alone.map((u) => u.answered - u.started)),
    summary('alone: 202 → accepted', alone.map((u) => u.done! - u.answered)),
    summary(`${clients} clients: upload → 202`, run.latencies),
    `${'uploads accepted by the API (202)'.padEnd(34)} ${(uploads / (run.wallMs / 1000)).toFixed(2)} uploads/s (${uploads} in ${(run.wallMs / 1000).toFixed(1)} s, ${mb((uploads * avgBytes) / (run.wallMs / 1000))}/s)`,
    summary(`${clients} clients: 202 → accepted`, done.map((u) => u.done! - u.answered)),
    summary(`${clients} clients: upload → accepted`, done.map((u) => u.done! - u.started)),
    `${'documents processed'.padEnd(34)} ${(uploads / ((finished - started) / 1000)).toFixed(2)} documents/s (first upload to last accepted: ${((finished - started) / 1000).toFixed(1)} s)`,
    `${'results'.padEnd(34)} ${Object.entries(results).map(([k, n]) => `${n} ${k}`).join(', ')}`,
    summary(`blob store put ${mb(blob.length)} (idle)`, puts),
    summary(`blob store get ${mb(blob.length)} (idle)`, gets),
    `${''.padEnd(34)} (an upload stores one such blob; processing reads it and stores a preview and a thumbnail)`,
    '',
    `Memory (MB), ${clients} uploads in flight  ${col('RSS before')}${col('peak RSS')}${col('VmHWM at end')}${col('RSS at end')}`,
    ...(['api', 'worker'] as const).map(
      (k) =>
        `${`${k === 'api' ? 'API' : 'worker'} (pid ${pids[k]})`.padEnd(34)}  ${col((before[k].rss / 1048576).toFixed(0))}${col((peak[k] / 1048576).toFixed(0))}${col((after[k].hwm / 1048576).toFixed(0))}${col((after[k].rss / 1048576).toFixed(0))}`,
    ),
    `${''.padEnd(34)}   (peak RSS: sampled every 50 ms during the run; VmHWM: the kernel's peak since the process started)`,
  ];
}

async function main(): Promise<void> {
  const imageRuns = num('BENCH_IMAGE_RUNS', 20);
  const pdfRuns = num('BENCH_PDF_RUNS', 20);
  const clients = num('BENCH_CLIENTS', 8);
  const pollMs = num('BENCH_POLL_MS', 200);
  let uploads = num('BENCH_UPLOADS', 48);
  if (uploads + WARMUP_UPLOADS > UPLOAD_BUDGET) {
    log(`BENCH_UPLOADS=${uploads} would pass the API's per-IP limit (${PER_IP_LIMIT} / 10 min); using ${UPLOAD_BUDGET - WARMUP_UPLOADS}`);
    uploads = UPLOAD_BUDGET - WARMUP_UPLOADS;
  }
  const loadStart = loadavg();
  const out: string[] = [''];

  // --- in process -----------------------------------------------------------------------
  log('in process: processImage() ...');
  const [jpegMs, jpeg] = await timed(() => largeJpeg());
  const meta = await sharp(jpeg).metadata();
  for (let i = 0; i < 2; i++) await processImage(jpeg); // warm-up
  let rejection: string | undefined;
  const image = await load(imageRuns, 1, async () => {
    const r = await processImage(jpeg);
    rejection ??= r.rejection;
  });
  if (rejection) throw new Error(`the 12 MP page was rejected: ${rejection}`);

  log('in process: inspectPdf() ...');
  const pdf = await twoPagePdf();
  const [coldPdfMs, info] = await timed(() => inspectPdf(pdf)); // includes starting the pdf.js worker thread
  if (info.pages !== 2) throw new Error(`inspectPdf saw ${info.pages} pages`);
  await inspectPdf(pdf);
  const pdfRun = await load(pdfRuns, 1, async () => void (await inspectPdf(pdf)));
  await closePdfWorker();

  out.push(
    `Document pipeline (${new Date().toISOString()}, ${process.platform} ${os.cpus().length} cores, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips})`,
    `load average at start ${loadStart} (other processes on this machine skew the figures)`,
    '',
    'In process, no server',
    summary(`processImage() ${meta.width}×${meta.height} JPEG`, image.latencies),
    `${''.padEnd(34)} input ${mb(jpeg.length)} (largeJpeg fixture, generated in ${jpegMs.toFixed(0)} ms); sequential, after 2 warm-up runs`,
    summary('inspectPdf() 2-page PDF', pdfRun.latencies),
    `${''.padEnd(34)} input ${(pdf.length / 1024).toFixed(1)} KB; first call ${coldPdfMs.toFixed(0)} ms (starts the pdf.js worker thread)`,
  );

  // --- end to end -----------------------------------------------------------------------
  if (process.env.BENCH_E2E !== '0') {
    log('starting the embedded stack, a worker and the API ...');
    const target = await benchTarget();
    try {
      if (!target.env.DATA_DIR) throw new Error('the end-to-end part needs its own stack (unset BENCH_URL, or set BENCH_E2E=0)');
      out.push(...(await endToEnd(target, uploads, clients, pollMs)));
    } finally {
      await target.stop();
    }
  }
  out.push(`load average at end ${loadavg()}`, '');
  process.stdout.write(out.join('\n'));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

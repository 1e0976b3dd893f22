/**
 * `npm run bench:documents`: the document pipeline.
 *
 * In process (no server):
 *   - `processImage()` on a 12-megapixel (4000 × 3000) document-like JPEG (the `largeJpeg` fixture):
 *     one at a time, then 4 at a time as the documents worker runs them (images/s and CPU per image,
 *     all threads: the floor of accepted/s on this machine);
 *   - `inspectPdf()` on a 2-page PDF made with pdf-lib.
 * End to end, against `benchTarget()` (embedded stack + one worker serving `checks` and
 * `documents` + the API):
 *   - distinct 12 MP JPEGs uploaded as `identity` through `POST /v1/verification/<token>/documents`
 *     of suspicious checks made through `POST /v1/checks`: first BENCH_ALONE (6) one at a time
 *     (upload → `accepted`, polling `GET /v1/verification/<token>` every BENCH_ALONE_POLL_MS = 25 ms),
 *     then BENCH_UPLOADS by BENCH_CLIENTS (8) concurrent clients: upload latency, uploads/s answered
 *     202, upload → `accepted` and accepted/s (polled every BENCH_POLL_MS = 1 000 ms: the upload page polls every 2 s while a
 *     document is processing, web/verify/verify.js, and each poll is two reads and a workflow
 *     query, so a bench that polled every 200 ms measured mostly its own polling); a 503 (the
 *     API's in-flight budget) is waited out per its Retry-After and counted;
 *   - CPU per accepted upload by process (API, documents worker, checks worker, Temporal, FerretDB,
 *     PostgreSQL, this process) over the concurrent phase;
 *   - peak memory of the API and the worker process (/proc/<pid>/status: VmRSS sampled during
 *     the run, VmHWM at the end).
 *
 * The API limits uploads to 60 per 10 minutes per client IP (per process, in memory) and 20 per
 * link: all uploads here come from 127.0.0.1, so a run makes at most 55 (warm-up included), and
 * one check takes at most 10.
 *
 * Prints p50/p95/p99 of each measurement, the targets of issue 12, and last one JSON line.
 *
 * Env: BENCH_IMAGE_RUNS (20), BENCH_PDF_RUNS (20), BENCH_ALONE (6), BENCH_UPLOADS (44; warm-up +
 * alone + uploads ≤ 55), BENCH_CLIENTS (8), BENCH_POLL_MS (1000), BENCH_ALONE_POLL_MS (25),
 * BENCH_E2E=0 to skip the end-to-end part; --cpu-profile: where the API's and the workers' CPU goes
 * in the concurrent phase (V8 profiles; profiling itself slows the run).
 */
import { seededRandom } from '../test/fixtures/random';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import sharp from 'sharp';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { benchTarget, load, loadavg, machine, percentiles, round, sleep, summary, type Percentiles, type Target } from './lib';
import { cpuDelta, cpuSnapshot, memoryOf, perUnit, type Role } from './profile/cpu';
import { monotonicUs, summarizeCpuProfiles, topCategoryLines } from './profile/cpuProfile';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { largeJpeg, pagePixels } from '../test/fixtures/images';
import { suspiciousOrder } from '../test/fixtures/orders';
import { processImage } from '../documents/image';
import { closePdfWorker, inspectPdf } from '../documents/pdf';
import { createBlobStore } from '../documents/storage';
import { loadConfig } from '../config';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (m: string) => process.stderr.write(`${m}\n`);
const machineCores = os.cpus().length;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Uploads per client IP per 10 minutes (api/routes/verification.ts), and our margin under it. */
const PER_IP_LIMIT = 60;
const UPLOAD_BUDGET = 55;
const WARMUP_UPLOADS = 1;
const UPLOADS_PER_CHECK = 10;

const rng = seededRandom;
/** The in-process floor: images, and how many at a time (the documents worker's activity slots). */
const FLOOR_IMAGES = 16;
const FLOOR_CONCURRENCY = 4;

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

// --- end to end ----------------------------------------------------------------------------

interface Upload {
  token: string;
  documentId: string;
  started: number;
  answered: number;
  /** 503 answers (in-flight budget) before the 202, each waited out per Retry-After. */
  retries: number;
  done?: number;
  status?: string;
  reason?: string | null;
}

interface EndToEnd {
  lines: string[];
  /** CPU per accepted upload in the concurrent phase, ms by process. */
  cpuMsPerUpload: Map<Role, number>;
  aloneAccepted: Percentiles;
  concurrentAccepted: Percentiles;
  acceptedPerSecond: number;
  peakRssMb: { api: number; worker: number };
}

async function endToEnd(
  target: Target,
  uploads: number,
  aloneCount: number,
  clients: number,
  pollMs: number,
  alonePollMs: number,
  profileDir?: string,
): Promise<EndToEnd> {
  const total = WARMUP_UPLOADS + aloneCount + uploads;
  log(`generating ${total} distinct 12 MP document JPEGs ...`);
  const [genMs, images] = await timed(() => distinctDocuments(total));
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
    const started = performance.now();
    for (let retries = 0; ; retries++) {
      const form = new FormData();
      form.append('kind', 'identity'); // only one of the requested kinds: the check keeps waiting for the others
      form.append('file', new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), `id-${n}.jpg`);
      const response = await fetch(`${target.baseUrl}/v1/verification/${token}/documents`, { method: 'POST', body: form });
      const body = (await response.json()) as { documentId?: string };
      if (response.status === 503 && retries < 20) {
        // The API's in-flight byte budget: come back when it says.
        await sleep(1000 * Number(response.headers.get('retry-after') ?? 1));
        continue;
      }
      if (response.status !== 202 || !body.documentId) throw new Error(`upload ${n}: ${response.status} ${JSON.stringify(body)}`);
      return { token, documentId: body.documentId, started, answered: performance.now(), retries };
    }
  };

  // Polls each link's page until every upload on it left `processing`.
  const byToken = new Map<string, Map<string, Upload>>();
  const track = (u: Upload) => {
    if (!byToken.has(u.token)) byToken.set(u.token, new Map());
    byToken.get(u.token)!.set(u.documentId, u);
  };
  let polling = true;
  const pollers = new Map<string, Promise<void>>();
  const poll = (token: string, everyMs: number) => {
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
          await sleep(everyMs);
        }
      })(),
    );
  };
  const allDone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ([...byToken.values()].some((m) => [...m.values()].some((u) => u.done === undefined))) {
      if (Date.now() > deadline) throw new Error('uploads still processing after the timeout');
      await sleep(10);
    }
  };

  // Alone: one upload at a time, nothing else going on (the first is a warm-up), polled often.
  log(`uploads alone: ${WARMUP_UPLOADS} warm-up + ${aloneCount}, one at a time ...`);
  const aloneToken = await createCheck();
  poll(aloneToken, alonePollMs);
  const alone: Upload[] = [];
  for (let i = 0; i < WARMUP_UPLOADS + aloneCount; i++) {
    const u = await upload(aloneToken, images[i], i);
    track(u);
    await allDone(120_000);
    if (i >= WARMUP_UPLOADS) alone.push(u);
  }

  // (The documents worker does the image work: `worker` is that one, as `npm start` runs them.)
  const pids = { api: target.services.get('api')!.pid, worker: (target.services.get('documents-worker') ?? target.services.get('worker'))!.pid };
  const named = new Map<number, Role>([[pids.api, 'api'], [pids.worker, 'documents worker']]);
  const checksWorker = target.services.get('worker');
  if (checksWorker && checksWorker.pid !== pids.worker) named.set(checksWorker.pid, 'worker');
  const before = { api: memoryOf(pids.api), worker: memoryOf(pids.worker) };
  const peak = { api: before.api.rss, worker: before.worker.rss };
  const sampler = setInterval(() => {
    try {
      peak.api = Math.max(peak.api, memoryOf(pids.api).rss);
      peak.worker = Math.max(peak.worker, memoryOf(pids.worker).rss);
    } catch {
      // a process went away: reported by the checks below
    }
  }, 50);

  const checks = Math.max(clients, Math.ceil(uploads / UPLOADS_PER_CHECK));
  log(`creating ${checks} suspicious checks, then ${uploads} uploads by ${clients} concurrent clients ...`);
  const tokens = await Promise.all(Array.from({ length: checks }, createCheck));
  tokens.forEach((t) => poll(t, pollMs));
  const done: Upload[] = [];
  const first = WARMUP_UPLOADS + aloneCount;
  const cpuBefore = cpuSnapshot(named);
  const window = { startUs: monotonicUs(), endUs: 0 };
  const started = performance.now();
  const run = await load(uploads, clients, async (i) => {
    const u = await upload(tokens[i % checks], images[first + i], first + i);
    track(u);
    done.push(u);
  });
  await allDone(300_000);
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(named));
  window.endUs = monotonicUs();
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
  const accepted = done.filter((u) => u.status === 'accepted').length;
  const acceptedPerSecond = accepted / ((finished - started) / 1000);
  const retries = done.reduce((s, u) => s + u.retries, 0);
  const cpuMsPerUpload = perUnit(cpu.byRole, accepted);
  const cpuTotal = [...cpuMsPerUpload.values()].reduce((a, b) => a + b, 0);
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

  // --cpu-profile: the profiles are written when the processes exit; cut to the concurrent phase.
  const profileLines: string[] = [];
  if (profileDir) {
    const services = ['documents-worker', 'worker', 'api'] as const;
    const profiled = services.map((name) => [name, target.services.get(name)] as const).filter(([, s]) => s !== undefined);
    for (const [, service] of profiled) await service!.stop();
    for (const [name, service] of profiled) {
      const summary = summarizeCpuProfiles(profileDir, window, service!.pid);
      profileLines.push(
        `${name}: ${(summary.totalMs / Math.max(1, accepted)).toFixed(0)} ms per accepted upload in V8 samples (JS threads; libvips's own threads are not sampled), by what ran:`,
        ...topCategoryLines(summary, accepted, 12),
      );
    }
  }

  const col = (s: string, w = 14) => s.padStart(w);
  const lines = [
    '',
    `End to end: 12 MP JPEGs (distinct, avg ${mb(avgBytes)}; generated in ${(genMs / 1000).toFixed(1)} s), kind identity; one worker process serves checks + documents.`,
    `  Per-IP limit: ${PER_IP_LIMIT} uploads / 10 min per API process, and every upload here comes from 127.0.0.1, so a run makes at most`,
    `  ${UPLOAD_BUDGET} (this one: ${WARMUP_UPLOADS} warm-up + ${aloneCount} alone + ${uploads} concurrent). Completion is seen by polling GET /v1/verification/<token>`,
    `  (alone every ${alonePollMs} ms, concurrent every ${pollMs} ms: the figures carry that much resolution).`,
    '',
    `Alone (${aloneCount} uploads, one at a time)`,
    summary('upload → 202', alone.map((u) => u.answered - u.started)),
    summary('202 → accepted', alone.map((u) => u.done! - u.answered)),
    summary('upload → accepted', alone.map((u) => u.done! - u.started)),
    '',
    `${clients} concurrent clients (${uploads} uploads over ${checks} checks, ≤ ${UPLOADS_PER_CHECK} per check)`,
    summary('upload → 202', run.latencies),
    `${'uploads accepted by the API (202)'.padEnd(34)} ${(uploads / (run.wallMs / 1000)).toFixed(2)} uploads/s (${uploads} in ${(run.wallMs / 1000).toFixed(1)} s, ${mb((uploads * avgBytes) / (run.wallMs / 1000))}/s; ${retries} answers 503 waited out)`,
    summary('202 → accepted', done.map((u) => u.done! - u.answered)),
    summary('upload → accepted', done.map((u) => u.done! - u.started)),
    `${'documents accepted'.padEnd(34)} ${acceptedPerSecond.toFixed(2)} accepted/s (first upload to last accepted: ${((finished - started) / 1000).toFixed(1)} s)`,
    `${'results'.padEnd(34)} ${Object.entries(results).map(([k, n]) => `${n} ${k}`).join(', ')}`,
    `${'CPU per accepted upload'.padEnd(34)} ${[...cpuMsPerUpload].map(([r, ms]) => `${r} ${ms.toFixed(0)}`).join(', ')} ms; total ${cpuTotal.toFixed(0)} ms ` +
      `(machine busy ${(cpu.machineBusyMs / Math.max(1, accepted)).toFixed(0)} ms, ${((100 * cpu.machineBusyMs) / Math.max(1, cpu.machineTotalMs)).toFixed(0)} % of its ${machineCores} cores over the run)`,
    '',
    summary(`blob store put ${mb(blob.length)} (idle)`, puts),
    summary(`blob store get ${mb(blob.length)} (idle)`, gets),
    `${''.padEnd(34)} (an upload stores one such blob; processing reads it and stores a preview and a thumbnail)`,
    '',
    `Memory (MB), ${clients} uploads in flight  ${col('RSS before')}${col('peak RSS')}${col('VmHWM at end')}${col('RSS at end')}`,
    ...(['api', 'worker'] as const).map(
      (k) =>
        `${`${k === 'api' ? 'API' : 'documents worker'} (pid ${pids[k]})`.padEnd(34)}  ${col((before[k].rss / 1048576).toFixed(0))}${col((peak[k] / 1048576).toFixed(0))}${col((after[k].hwm / 1048576).toFixed(0))}${col((after[k].rss / 1048576).toFixed(0))}`,
    ),
    `${''.padEnd(34)}   (peak RSS: sampled every 50 ms during the run; VmHWM: the kernel's peak since the process started)`,
    ...(profileLines.length ? ['', `Where the concurrent phase's CPU goes (--cpu-profile; profiling itself slows the run)`, ...profileLines] : []),
  ];
  return {
    lines,
    cpuMsPerUpload,
    aloneAccepted: percentiles(alone.map((u) => u.done! - u.started)),
    concurrentAccepted: percentiles(done.map((u) => u.done! - u.started)),
    acceptedPerSecond,
    peakRssMb: { api: Math.max(peak.api, after.api.hwm) / 1048576, worker: Math.max(peak.worker, after.worker.hwm) / 1048576 },
  };
}

async function main(): Promise<void> {
  const imageRuns = num('BENCH_IMAGE_RUNS', 20);
  const pdfRuns = num('BENCH_PDF_RUNS', 20);
  const clients = num('BENCH_CLIENTS', 8);
  const pollMs = num('BENCH_POLL_MS', 1000);
  const alonePollMs = num('BENCH_ALONE_POLL_MS', 25);
  const aloneCount = num('BENCH_ALONE', 6);
  let uploads = num('BENCH_UPLOADS', 44);
  if (WARMUP_UPLOADS + aloneCount + uploads > UPLOAD_BUDGET) {
    uploads = Math.max(clients, UPLOAD_BUDGET - WARMUP_UPLOADS - aloneCount);
    log(`BENCH_UPLOADS would pass the API's per-IP limit (${PER_IP_LIMIT} / 10 min); using ${uploads}`);
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

  // The floor of accepted/s: the image work alone, as many at a time as the documents worker runs
  // (worker/main.ts: 4 activities), in this process with nothing else running. No upload can be
  // accepted faster than its image is processed, whatever the rest costs.
  log(`in process: processImage() ${FLOOR_CONCURRENCY} at a time ...`);
  const cpuAtStart = process.cpuUsage();
  const floorImages = await load(FLOOR_IMAGES, FLOOR_CONCURRENCY, async () => void (await processImage(jpeg)));
  const floorCpu = process.cpuUsage(cpuAtStart);
  const floor = {
    imagesPerSecond: FLOOR_IMAGES / (floorImages.wallMs / 1000),
    cpuMsPerImage: (floorCpu.user + floorCpu.system) / 1000 / FLOOR_IMAGES,
  };

  log('in process: inspectPdf() ...');
  const pdf = await twoPagePdf();
  const [coldPdfMs, info] = await timed(() => inspectPdf(pdf)); // includes starting the pdf.js worker thread
  if (info.pages !== 2) throw new Error(`inspectPdf saw ${info.pages} pages`);
  await inspectPdf(pdf);
  const pdfRun = await load(pdfRuns, 1, async () => void (await inspectPdf(pdf)));
  await closePdfWorker();

  out.push(
    `Document pipeline (${new Date().toISOString()}; ${machine()}; sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips})`,
    `load average at start ${loadStart} (other processes on this machine skew the figures)`,
    '',
    'In process, no server',
    summary(`processImage() ${meta.width}×${meta.height} JPEG`, image.latencies),
    `${''.padEnd(34)} input ${mb(jpeg.length)} (largeJpeg fixture, generated in ${jpegMs.toFixed(0)} ms); sequential, after 2 warm-up runs`,
    summary(`processImage(), ${FLOOR_CONCURRENCY} at a time`, floorImages.latencies),
    `${''.padEnd(34)} ${floor.imagesPerSecond.toFixed(2)} images/s, ${floor.cpuMsPerImage.toFixed(0)} ms of CPU per image (all threads): the floor of accepted/s on ` +
      `${machineCores} cores is ~${((machineCores * 1000) / floor.cpuMsPerImage).toFixed(1)}/s`,
    summary('inspectPdf() 2-page PDF', pdfRun.latencies),
    `${''.padEnd(34)} input ${(pdf.length / 1024).toFixed(1)} KB; first call ${coldPdfMs.toFixed(0)} ms (starts the pdf.js worker thread)`,
  );

  // --- end to end -----------------------------------------------------------------------
  let e2e: EndToEnd | undefined;
  if (process.env.BENCH_E2E !== '0') {
    log('starting the embedded stack, a worker and the API ...');
    // --cpu-profile: V8 profiles of the API and the workers (stack/services.ts adds SERVICE_NODE_ARGS to their flags).
    const profileDir = process.argv.includes('--cpu-profile') ? mkdtempSync(path.join(os.tmpdir(), 'bench-documents-cpuprof-')) : undefined;
    if (profileDir) process.env.SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
    const target = await benchTarget({}, { allowRemote: false });
    try {
      e2e = await endToEnd(target, uploads, aloneCount, clients, pollMs, alonePollMs, profileDir);
      out.push(...e2e.lines);
    } finally {
      await target.stop();
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    }
  }
  out.push(`load average at end ${loadavg()}`, '');

  // Targets of issue 12 for this pipeline.
  const targets = { aloneAcceptedP50Ms: 400, acceptedPerSecond: 8, workerPeakRssMb: 400, apiPeakRssMb: 200 };
  const p = (x: Percentiles) => ({ p50: round(x.p50), p95: round(x.p95), p99: round(x.p99), n: x.n });
  const json = {
    processImage: p(percentiles(image.latencies)),
    processImageFloor: {
      ...p(percentiles(floorImages.latencies)),
      concurrency: FLOOR_CONCURRENCY,
      imagesPerSecond: round(floor.imagesPerSecond, 2),
      cpuMsPerImage: round(floor.cpuMsPerImage, 0),
    },
    inspectPdf: p(percentiles(pdfRun.latencies)),
    ...(e2e
      ? {
          aloneUploadToAccepted: p(e2e.aloneAccepted),
          concurrentUploadToAccepted: { ...p(e2e.concurrentAccepted), clients },
          acceptedPerSecond: round(e2e.acceptedPerSecond, 2),
          acceptedVsFloor: round(e2e.acceptedPerSecond / floor.imagesPerSecond, 2),
          cpuMsPerUpload: Object.fromEntries([...e2e.cpuMsPerUpload].map(([r, ms]) => [r, round(ms, 0)])),
          peakRssMb: { api: round(e2e.peakRssMb.api, 0), worker: round(e2e.peakRssMb.worker, 0) },
          targets,
          met: {
            aloneAcceptedP50: e2e.aloneAccepted.p50 <= targets.aloneAcceptedP50Ms,
            acceptedPerSecond: e2e.acceptedPerSecond >= targets.acceptedPerSecond,
            workerPeakRss: e2e.peakRssMb.worker <= targets.workerPeakRssMb,
            apiPeakRss: e2e.peakRssMb.api <= targets.apiPeakRssMb,
          },
        }
      : {}),
    loadavg: loadStart,
    at: new Date().toISOString(),
  };
  if (e2e) {
    out.push(
      `${'vs the floor'.padEnd(34)} ${e2e.acceptedPerSecond.toFixed(2)} accepted/s = ${(e2e.acceptedPerSecond / floor.imagesPerSecond).toFixed(2)}× the image work alone ` +
        `(${floor.imagesPerSecond.toFixed(2)} images/s, ${FLOOR_CONCURRENCY} at a time, in process)`,
      '',
      `Targets (issue 12): upload → accepted alone p50 ${e2e.aloneAccepted.p50.toFixed(0)} ms (≤ ${targets.aloneAcceptedP50Ms}: ${yes(json.met!.aloneAcceptedP50)}), ` +
        `${e2e.acceptedPerSecond.toFixed(2)} accepted/s at ${clients} clients (≥ ${targets.acceptedPerSecond}: ${yes(json.met!.acceptedPerSecond)}), ` +
        `peak RSS worker ${e2e.peakRssMb.worker.toFixed(0)} MB (≤ ${targets.workerPeakRssMb}: ${yes(json.met!.workerPeakRss)}; uploads in flight, not 2 000 cached workflows — bench:review measures that), ` +
        `API ${e2e.peakRssMb.api.toFixed(0)} MB (≤ ${targets.apiPeakRssMb}: ${yes(json.met!.apiPeakRss)})`,
      '',
    );
  }
  out.push(JSON.stringify(json), '');
  process.stdout.write(out.join('\n'));
}

const yes = (b: boolean) => (b ? 'yes' : 'NO');

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

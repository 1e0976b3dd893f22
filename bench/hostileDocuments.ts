/**
 * `npm run bench:hostile`: does document work hold up decisions? (issue 8, point 2)
 *
 * Starts the embedded stack, the API and the workers in a fresh DATA_DIR — one worker serving
 * both task queues (BENCH_TOPOLOGY=combined, what `WORKER_TASK_QUEUES=checks,documents` gives),
 * or a checks worker and a documents worker (BENCH_TOPOLOGY=split, the default: what
 * `npm start` and docker-compose run) — and prints:
 *
 *   - clean orders alone (`POST /v1/checks`, one after another): the baseline;
 *   - for each upload scenario, clean orders submitted one after another while it is processed,
 *     how long the upload took to settle (202 → accepted / rejected), and the answers that were
 *     not 201 (a 503 means a decision took longer than 15 s).
 *
 * Scenarios: the two hostile PDF shapes of test/fixtures/pdfs.ts (BENCH_SHAPES: text,dicts) at
 * BENCH_SIZES MB (1,4), and
 * BENCH_IMAGES (4) distinct 12-megapixel JPEGs uploaded at once. An upload that has not settled
 * after BENCH_SETTLE_S (60) seconds is reported as such and the next scenario starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { startStack } from '../stack';
import { freePort } from '../stack/processes';
import { startService, type Service } from '../stack/services';
import { summary } from './lib';
import { cleanOrder, suspiciousOrder } from '../test/fixtures/orders';
import { objStmDictsPdf, objStmTextPdf } from '../test/fixtures/pdfs';
import { largeJpeg } from '../test/fixtures/images';

const topology = process.env.BENCH_TOPOLOGY === 'combined' ? 'combined' : 'split';
const sizes = (process.env.BENCH_SIZES ?? '1,4').split(',').map(Number);
const shapes = (process.env.BENCH_SHAPES ?? 'text,dicts').split(',');
const images = Number(process.env.BENCH_IMAGES ?? 4);
const settleMs = Number(process.env.BENCH_SETTLE_S ?? 60) * 1000;
const baselineOrders = Number(process.env.BENCH_BASELINE ?? 30);
const log = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Upload {
  name: string;
  file: Buffer;
  filename: string;
  type: string;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-bench-'));
  const stack = await startStack({
    dataDir,
    ports: { postgres: await freePort(), mongo: await freePort(), temporal: await freePort(), temporalUi: await freePort() },
  });
  const serviceKey = `sk_bench_${randomBytes(8).toString('hex')}`;
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    SERVICE_API_KEYS: serviceKey,
    REVIEWER_JWT_SECRET: randomBytes(32).toString('base64url'),
    DOCUMENT_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    PORT: String(port),
  };
  const services: Service[] = [];
  try {
    if (topology === 'combined') {
      services.push(await startService('worker', 'worker/main.ts', { ...env, WORKER_TASK_QUEUES: 'checks,documents' }, { logDir: stack.logDir }));
    } else {
      services.push(await startService('worker', 'worker/main.ts', { ...env, WORKER_TASK_QUEUES: 'checks' }, { logDir: stack.logDir }));
      services.push(await startService('documents-worker', 'worker/main.ts', { ...env, WORKER_TASK_QUEUES: 'documents' }, { logDir: stack.logDir }));
    }
    services.push(await startService('api', 'api/main.ts', env, { logDir: stack.logDir }));
    const baseUrl = `http://127.0.0.1:${port}`;
    const lines = await run(baseUrl, serviceKey);
    process.stdout.write(`\nbench:hostile — topology ${topology}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}\n${lines.join('\n')}\n`);
  } finally {
    for (const s of services.reverse()) await s.stop('SIGKILL');
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(baseUrl: string, serviceKey: string): Promise<string[]> {
  const post = async (order: unknown) => {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/v1/checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serviceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    const body = (await res.json()) as { status?: string; verification?: { token: string } };
    return { status: res.status, ms: performance.now() - started, body };
  };
  const cleanWhile = async (busy: () => boolean) => {
    const latencies: number[] = [];
    const failures: number[] = [];
    while (busy()) {
      const r = await post(cleanOrder());
      latencies.push(r.ms);
      if (r.status !== 201) failures.push(r.status);
    }
    return { latencies, failures };
  };

  const lines: string[] = [];
  for (let i = 0; i < 5; i++) await post(cleanOrder()); // warm-up
  const baseline: number[] = [];
  for (let i = 0; i < baselineOrders; i++) baseline.push((await post(cleanOrder())).ms);
  lines.push(summary('clean orders alone', baseline));

  const scenarios: [string, Upload[]][] = [];
  for (const mb of sizes) {
    if (shapes.includes('text')) {
      scenarios.push([`PDF, "/Type /ObjStm" as page text, ${mb} MB`, [{ name: 'text', file: objStmTextPdf(mb * 1024 * 1024), filename: 'a.pdf', type: 'application/pdf' }]]);
    }
    if (shapes.includes('dicts')) {
      scenarios.push([`PDF, ObjStm dicts without streams, ${mb} MB`, [{ name: 'dicts', file: objStmDictsPdf(mb * 1024 * 1024), filename: 'b.pdf', type: 'application/pdf' }]]);
    }
  }
  if (images > 0) {
    const base = await largeJpeg();
    const jpegs = await Promise.all(Array.from({ length: images }, (_, i) => sharp(base).modulate({ hue: 30 * (i + 1) }).rotate(i % 2 ? 180 : 0).jpeg({ quality: 88 }).toBuffer()));
    scenarios.push([`${images} × 12 MP JPEG at once`, jpegs.map((file, i) => ({ name: `jpeg${i}`, file, filename: 'p.jpg', type: 'image/jpeg' }))]);
  }

  for (const [label, uploads] of scenarios) {
    log(`scenario: ${label}`);
    const started = performance.now();
    const settled: string[] = [];
    const pageFailures: number[] = [];
    let pending = uploads.length;
    const each = uploads.map(async (u) => {
      const check = await post(suspiciousOrder());
      const token = check.body.verification!.token;
      const form = new FormData();
      form.append('kind', 'identity');
      form.append('file', new Blob([u.file], { type: u.type }), u.filename);
      const t0 = performance.now();
      const res = await fetch(`${baseUrl}/v1/verification/${token}/documents`, { method: 'POST', body: form });
      const body = (await res.json()) as { documentId?: string };
      if (res.status !== 202) {
        settled.push(`${u.name}: upload answered ${res.status}`);
        return;
      }
      while (performance.now() - t0 < settleMs) {
        const reply = await fetch(`${baseUrl}/v1/verification/${token}`);
        const page = (await reply.json()) as { documents?: { documentId: string; status: string; reason: string | null }[] };
        if (!page.documents) pageFailures.push(reply.status); // the check's workflow did not answer the query
        const doc = page.documents?.find((d) => d.documentId === body.documentId);
        if (doc && doc.status !== 'processing') {
          settled.push(`${u.name}: ${doc.status}${doc.reason ? ` (${doc.reason})` : ''} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
          return;
        }
        await sleep(200);
      }
      settled.push(`${u.name}: still processing after ${settleMs / 1000} s`);
    });
    const done = Promise.allSettled(each.map((p) => p.finally(() => pending--)));
    const clean = await cleanWhile(() => pending > 0);
    for (const r of await done) if (r.status === 'rejected') settled.push(`failed: ${String(r.reason)}`);
    lines.push(summary(`clean orders during: ${label}`, clean.latencies));
    lines.push(`    settled: ${settled.join('; ')}; not 201: ${clean.failures.length ? clean.failures.join(',') : 'none'}; status page failures: ${pageFailures.length ? `${pageFailures.length} (${[...new Set(pageFailures)].join(',')})` : 'none'}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await sleep(2000);
  }
  return lines;
}

main().catch((error) => {
  log(`bench:hostile failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

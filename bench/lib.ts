/** Shared pieces of the benchmark scripts: a stack of our own (or a running one), and percentiles. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startStack } from '../stack';
import { freePort } from '../stack/processes';
import { startService, type Service } from '../stack/services';

export interface Target {
  baseUrl: string;
  serviceKey: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Starts the embedded stack, one worker and one API in a fresh DATA_DIR (as
 * `npm start` does, durable settings included), unless BENCH_URL and
 * BENCH_SERVICE_KEY point at a running instance.
 */
export async function benchTarget(extraEnv: NodeJS.ProcessEnv = {}): Promise<Target> {
  if (process.env.BENCH_URL && process.env.BENCH_SERVICE_KEY) {
    return { baseUrl: process.env.BENCH_URL, serviceKey: process.env.BENCH_SERVICE_KEY, env: {}, stop: async () => undefined };
  }
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
    ...extraEnv,
  };
  const services: Service[] = [];
  services.push(await startService('worker', 'worker/main.ts', env, { logDir: stack.logDir }));
  services.push(await startService('api', 'api/main.ts', env, { logDir: stack.logDir }));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    serviceKey,
    env,
    async stop() {
      for (const s of services.reverse()) await s.stop();
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summary(label: string, samplesMs: number[]): string {
  const s = [...samplesMs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `${label.padEnd(34)} n=${String(s.length).padStart(5)}  p50 ${f(percentile(s, 50))} ms  p95 ${f(percentile(s, 95))} ms  p99 ${f(percentile(s, 99))} ms  max ${f(s[s.length - 1])} ms`;
}

/** Runs `task` `total` times with `concurrency` workers; returns latencies and wall time. */
export async function load(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

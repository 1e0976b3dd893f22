/** Shared pieces of the benchmark scripts: a stack of our own (or a running one), load, percentiles. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startStack } from '../stack';
import { freePort } from '../stack/processes';
import { startService, type Service } from '../stack/services';
import { taskQueues } from '../workflows/names';

/** Our own processes a bench runs: the product's two workers and API (as `npm start` runs them), and the floor's worker (bench/floor). */
export type ServiceName = 'worker' | 'documents-worker' | 'api' | 'floor-worker';
const entries: Record<ServiceName, string> = {
  worker: 'worker/main.ts',
  'documents-worker': 'worker/main.ts',
  api: 'api/main.ts',
  'floor-worker': 'bench/floor/worker.ts',
};
/** Each service's own settings (scripts/start.ts: decisions and documents in two worker processes). */
const serviceEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {
  worker: { WORKER_TASK_QUEUES: taskQueues.checks },
  'documents-worker': { WORKER_TASK_QUEUES: taskQueues.documents },
};

export interface Target {
  baseUrl: string;
  serviceKey: string;
  env: NodeJS.ProcessEnv;
  /** PostgreSQL's FerretDB database (for its statistics); unset against a running instance. */
  pgUrl?: string;
  logDir?: string;
  services: Map<ServiceName, Service>;
  /** Starts (or stops and starts again) one of our processes, with `extraEnv` over the bench's env. */
  restart(name: ServiceName, extraEnv?: NodeJS.ProcessEnv): Promise<Service>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded stack, the two workers and one API in a fresh DATA_DIR (as
 * `npm start` does, durable settings included), unless BENCH_URL and
 * BENCH_SERVICE_KEY point at a running instance (and `allowRemote`).
 */
export async function benchTarget(extraEnv: NodeJS.ProcessEnv = {}, { allowRemote = true } = {}): Promise<Target> {
  if (allowRemote && process.env.BENCH_URL && process.env.BENCH_SERVICE_KEY) {
    const refuse = async (): Promise<Service> => {
      throw new Error('this part of the bench needs its own stack (unset BENCH_URL)');
    };
    return { baseUrl: process.env.BENCH_URL, serviceKey: process.env.BENCH_SERVICE_KEY, env: {}, services: new Map(), restart: refuse, stop: async () => undefined };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-bench-'));
  const pgPort = await freePort();
  const stack = await startStack({
    dataDir,
    ports: { postgres: pgPort, mongo: await freePort(), temporal: await freePort(), temporalUi: await freePort() },
  });
  const serviceKey = `sk_bench_${randomBytes(8).toString('hex')}`;
  const port = await freePort();
  const secret = () => randomBytes(32).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    SERVICE_API_KEYS: serviceKey,
    REVIEWER_JWT_SECRET: secret(),
    DOCUMENT_KEY: randomBytes(32).toString('base64'),
    // Every secret the configuration may require, so the benches keep running as settings are added.
    TOKEN_SECRET: secret(),
    PSEUDONYM_SECRET: secret(),
    AUDIT_SECRET: secret(),
    LOG_LEVEL: 'warn',
    PORT: String(port),
    ...extraEnv,
  };
  const services = new Map<ServiceName, Service>();
  const restart = async (name: ServiceName, extra: NodeJS.ProcessEnv = {}) => {
    await services.get(name)?.stop();
    // startService types its entry as the product's two; the floor worker is started the same way.
    const service = await startService(name, entries[name] as 'worker/main.ts', { ...env, ...serviceEnv[name], ...extra }, { logDir: stack.logDir });
    services.set(name, service);
    return service;
  };
  await restart('worker');
  await restart('documents-worker');
  await restart('api');
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    serviceKey,
    env,
    pgUrl: `postgres://postgres@127.0.0.1:${pgPort}/ferretdb`,
    logDir: stack.logDir,
    services,
    restart,
    async stop() {
      for (const s of [...services.values()].reverse()) await s.stop();
      await stack.stop();
      if (!process.env.KEEP_BENCH_DATA) rmSync(dataDir, { recursive: true, force: true }); // KEEP_BENCH_DATA=1: keep the logs
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samplesMs: number[]): Percentiles {
  const s = samplesMs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export function summary(label: string, samplesMs: number[]): string {
  const p = percentiles(samplesMs);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `${label.padEnd(34)} n=${String(p.n).padStart(5)}  p50 ${f(p.p50)} ms  p95 ${f(p.p95)} ms  p99 ${f(p.p99)} ms  max ${f(p.max)} ms`;
}

/** Rounds a figure for the JSON line (ms to 0.1, rates to 0.01). */
export const round = (n: number, digits = 1): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

export const loadavg = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

export const machine = (): string => `${process.platform} ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.versions.node}`;

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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

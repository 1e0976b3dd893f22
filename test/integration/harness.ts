/**
 * The integration harness: once per test run, the real embedded stack
 * (PostgreSQL + FerretDB + Temporal dev server) on free ports in a temporary
 * DATA_DIR, a webhook receiver, one worker and one API as child processes.
 * Tests talk to them over HTTP only. Stopped by the root `afterAll` hook.
 *
 * Crash tests (test/chaos/) start their own with `startHarness({ durable: true })`:
 * crash-safe servers they may kill (`stack.servers.<name>.kill()` / `.restart()`),
 * and `restartApi` / `restartWorker` / `restartDocumentsWorker` for our processes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from '../../stack';
import { freePort } from '../../stack/processes';
import { startService, type Service } from '../../stack/services';
import { SMTPServer } from 'smtp-server';
import { signReviewerToken } from '../../api/reviewerAuth';
import type { Role } from '../../domain/roles';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

/** A real SMTP server in the test process: the worker sends verification e-mail to it. */
export class MailCatcher {
  readonly messages: ReceivedMail[] = [];
  private server?: SMTPServer;
  url = '';

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    // A worker killed mid-session resets its connection: that is a test's doing, not a failure.
    this.server.on('error', () => undefined);
    const port = await freePort();
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${port}`;
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface ReceivedWebhook {
  id: string;
  type: string;
  sequence?: number;
  createdAt: string;
  data: { orderId: string; checkId: string; status: string; fulfilment: string; [k: string]: unknown };
  signature: string;
  rawBody: string;
  receivedAt: number;
}

export class WebhookReceiver {
  readonly events: ReceivedWebhook[] = [];
  /** Orders whose next N deliveries are answered 500 (to prove retries keep the id). */
  readonly failNext = new Map<string, number>();
  /** Orders whose next N deliveries are answered with a redirect to `/moved` (which must never be followed). */
  readonly redirectNext = new Map<string, number>();
  /** Requests that arrived at `/moved`: a sender that followed a redirect. */
  readonly followedRedirects: string[] = [];
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        if (req.url?.startsWith('/moved')) {
          this.followedRedirects.push(rawBody);
          res.writeHead(204).end();
          return;
        }
        const event = JSON.parse(rawBody) as ReceivedWebhook;
        const redirects = this.redirectNext.get(event.data.orderId) ?? 0;
        if (redirects > 0) {
          this.redirectNext.set(event.data.orderId, redirects - 1);
          this.events.push({ ...event, signature: String(req.headers['x-signature'] ?? ''), rawBody, receivedAt: Date.now() });
          res.writeHead(307, { location: `${this.url.replace(/\/hooks$/, '')}/moved` }).end();
          return;
        }
        const failures = this.failNext.get(event.data.orderId) ?? 0;
        this.events.push({ ...event, signature: String(req.headers['x-signature'] ?? ''), rawBody, receivedAt: Date.now() });
        if (failures > 0) {
          this.failNext.set(event.data.orderId, failures - 1);
          res.writeHead(500).end();
          return;
        }
        res.writeHead(204).end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/hooks`;
  }

  forOrder(orderId: string): ReceivedWebhook[] {
    return this.events.filter((e) => e.data.orderId === orderId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface HarnessOptions {
  /** Crash-safe servers (fsync and synchronous commit on) for tests that kill them; default: ephemeral. */
  durable?: boolean;
  /** Settings for every process of this harness (e.g. a short UPLOAD_DEADLINE). */
  env?: NodeJS.ProcessEnv;
}

export interface Harness {
  baseUrl: string;
  serviceKey: string;
  reviewerSecret: string;
  webhookSecret: string;
  webhooks: WebhookReceiver;
  mail: MailCatcher;
  stack: Stack;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  worker: Service;
  /** The operations ports (WORKER_HEALTH_PORT: /healthz and /metrics) of the checks worker and the documents worker. */
  workerOpsUrl: string;
  documentsWorkerOpsUrl: string;
  /** Another API process on the same servers, with its own settings (e.g. a short UPLOAD_DEADLINE). */
  startApi(env: NodeJS.ProcessEnv): Promise<{ baseUrl: string; service: Service }>;
  restartWorker(): Promise<Service>;
  /** The `documents` task queue runs in its own worker process (as in production). */
  stopDocumentsWorker(): Promise<void>;
  startDocumentsWorker(): Promise<void>;
  /** A reviewer token signed with the test REVIEWER_JWT_SECRET. */
  token(sub: string, role: Role): Promise<string>;
  /** The main API process (at `baseUrl`). */
  readonly api: Service;
  /** Kills the main API (SIGKILL unless told otherwise) and starts it again on the same port. */
  restartApi(signal?: NodeJS.Signals): Promise<Service>;
  /** The documents worker process. */
  readonly documentsWorker: Service;
  /** Kills the documents worker (SIGKILL) and starts a new one. */
  restartDocumentsWorker(): Promise<Service>;
  /** Another worker process on the same servers (`queues`: WORKER_TASK_QUEUES); stopped with the harness. */
  startWorker(queues: string, env?: NodeJS.ProcessEnv): Promise<Service>;
  /** Stops every process and server of this harness and deletes its DATA_DIR (idempotent). */
  stop(): Promise<void>;
}

let harness: Promise<Harness> | undefined;
const cleanups: (() => Promise<void>)[] = [];

export function getHarness(): Promise<Harness> {
  harness ??= startHarness().then((h) => {
    cleanups.push(() => h.stop());
    return h;
  });
  return harness;
}

/** A harness of its own (its own stack, processes and DATA_DIR); the caller stops it. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const cleanups: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })());
  try {
    return await startProcesses(options, cleanups, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startProcesses(options: HarnessOptions, cleanups: (() => Promise<void>)[], stop: () => Promise<void>): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-test-'));
  // KEEP_TEST_DATA=1 keeps DATA_DIR (the processes' logs are in its logs/) to look into a failure.
  cleanups.push(async () =>
    process.env.KEEP_TEST_DATA ? void process.stderr.write(`test data and logs kept in ${dataDir}\n`) : rmSync(dataDir, { recursive: true, force: true }),
  );
  const webhooks = new WebhookReceiver();
  await webhooks.start();
  cleanups.push(() => webhooks.stop());

  const mail = new MailCatcher();
  await mail.start();
  cleanups.push(() => mail.stop());

  const stack = await startStack({
    dataDir,
    ephemeral: !options.durable,
    // Crash tests kill PostgreSQL too and count on every acknowledged write.
    synchronousCommit: options.durable,
    headless: true,
    ports: { postgres: await freePort(), mongo: await freePort(), temporal: await freePort() },
  });
  cleanups.push(() => stack.stop());

  const serviceKey = `sk_test_${randomBytes(8).toString('hex')}`;
  const reviewerSecret = randomBytes(32).toString('base64url');
  const webhookSecret = randomBytes(16).toString('hex');
  // Links in e-mails and answers point at the main API, whichever process makes them.
  const mainPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PUBLIC_URL: `http://localhost:${mainPort}`,
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    SERVICE_API_KEYS: `${serviceKey},sk_test_second`,
    REVIEWER_JWT_SECRET: reviewerSecret,
    DOCUMENT_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_URL: webhooks.url,
    WEBHOOK_SECRET: webhookSecret,
    SMTP_URL: mail.url,
    LOG_LEVEL: 'warn',
    // Short, so tests with a short RETENTION_PERIOD see the purge (the default is a minute).
    RETENTION_SWEEP_INTERVAL: '2s',
  };

  Object.assign(env, options.env);
  const [checksOpsPort, documentsOpsPort] = [await freePort(), await freePort()];
  const checksEnv = { ...env, WORKER_TASK_QUEUES: 'checks', WORKER_HEALTH_PORT: String(checksOpsPort) };
  const documentsEnv = { ...env, WORKER_TASK_QUEUES: 'documents', WORKER_HEALTH_PORT: String(documentsOpsPort) };
  let [worker, documentsWorker] = await Promise.all([
    startService('worker', 'worker/main.ts', checksEnv, { logDir: stack.logDir }),
    startService('documents-worker', 'worker/main.ts', documentsEnv, { logDir: stack.logDir }),
  ]);
  const services: Service[] = [];
  cleanups.push(async () => {
    for (const s of services) await s.stop();
    await Promise.all([worker.stop(), documentsWorker?.stop()]);
  });

  const startApi = async (extra: NodeJS.ProcessEnv, fixedPort?: number) => {
    const port = fixedPort ?? (await freePort());
    const service = await startService(`api-${port}`, 'api/main.ts', { ...env, ...extra, PORT: String(port) }, { logDir: stack.logDir });
    services.push(service);
    return { baseUrl: `http://127.0.0.1:${port}`, service };
  };
  // The main API serves every test file from one address (127.0.0.1): it gets an upload budget
  // for the whole suite. APIs started with startApi keep the default (the limit's own tests).
  const mainEnv = { UPLOADS_PER_ADDRESS: '100000' };
  let main = await startApi(mainEnv, mainPort);

  return {
    baseUrl: main.baseUrl,
    serviceKey,
    reviewerSecret,
    webhookSecret,
    webhooks,
    mail,
    stack,
    env,
    dataDir,
    get worker() {
      return worker;
    },
    workerOpsUrl: `http://127.0.0.1:${checksOpsPort}`,
    documentsWorkerOpsUrl: `http://127.0.0.1:${documentsOpsPort}`,
    startApi,
    async restartWorker() {
      await worker.stop('SIGKILL');
      worker = await startService('worker', 'worker/main.ts', checksEnv, { logDir: stack.logDir });
      return worker;
    },
    async stopDocumentsWorker() {
      await documentsWorker.stop('SIGKILL');
    },
    async startDocumentsWorker() {
      documentsWorker = await startService('documents-worker', 'worker/main.ts', documentsEnv, { logDir: stack.logDir });
    },
    token: (sub: string, role: Role) => signReviewerToken(reviewerSecret, { sub, role, expiresIn: '1h' }),
    get api() {
      return main.service;
    },
    async restartApi(signal: NodeJS.Signals = 'SIGKILL') {
      await main.service.stop(signal);
      main = await startApi(mainEnv, mainPort);
      return main.service;
    },
    get documentsWorker() {
      return documentsWorker;
    },
    async restartDocumentsWorker() {
      await documentsWorker.stop('SIGKILL');
      documentsWorker = await startService('documents-worker', 'worker/main.ts', documentsEnv, { logDir: stack.logDir });
      return documentsWorker;
    },
    async startWorker(queues: string, extra: NodeJS.ProcessEnv = {}) {
      const name = `worker-${queues.replace(/\W+/g, '-')}-${services.length + 1}`;
      const service = await startService(name, 'worker/main.ts', { ...env, ...extra, WORKER_TASK_QUEUES: queues }, { logDir: stack.logDir });
      services.push(service);
      return service;
    },
    stop,
  };
}

export const mochaHooks = {
  async afterAll(this: unknown) {
    if (!harness) return;
    await harness.catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  },
};

/** Verifies an `X-Signature` header the way a receiver would. */
export function verifySignature(secret: string, header: string, rawBody: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${rawBody}`).digest('hex');
  return expected === match[2];
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

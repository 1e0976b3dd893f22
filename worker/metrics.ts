/**
 * The worker's operations port (WORKER_HEALTH_PORT): `/healthz` and `/metrics`.
 * Never published: Prometheus scrapes it on the internal network.
 *
 * `/metrics` is one exposition of three sources, every name prefixed `fraud_`:
 * - Temporal's SDK metrics (`fraud_temporal_…`): the runtime's own Prometheus
 *   exporter, bound to a private loopback port and read at each scrape;
 * - the business counters of lib/metrics.ts (decisions, documents, webhooks, purges …)
 *   and the process's own (`fraud_process_…`, `fraud_nodejs_…`);
 * - queue gauges computed at the scrape from the read model (checks-queue workers
 *   only): a count per open status of the small `queue` collection, equality
 *   lookups on an indexed field, so a scrape costs four counts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';
import { QueueEntryModel } from '../models';
import { openStatuses } from '../models/queueEntry';
import { logger } from '../lib/logger';
import { registry as businessRegistry } from '../lib/metrics';

/** The prefix of Temporal's SDK metrics (its own default is `temporal_`). */
export const SDK_METRIC_PREFIX = 'fraud_temporal_';
/** How long a scrape waits for the SDK's exporter and the database. */
const SCRAPE_TIMEOUT_MS = 3_000;

/** A free loopback address for the runtime's exporter: nothing outside this process reads it. */
export async function privateMetricsAddress(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** Queue depth and overdue reviews, read from the `queue` collection at each scrape. */
export function registerQueueGauges(registry: Registry = businessRegistry): void {
  new Gauge({
    name: 'fraud_queue_depth',
    help: 'Open checks, by status (in_review, escalated, awaiting_documents), from the read model at scrape time',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await readOrSkip(() =>
        Promise.all(openStatuses.map((status) => QueueEntryModel.countDocuments({ status }).maxTimeMS(SCRAPE_TIMEOUT_MS).exec())),
      );
      if (counts) openStatuses.forEach((status, i) => this.set({ status }, counts[i]));
    },
  });
  new Gauge({
    name: 'fraud_queue_sla_overdue',
    help: 'Cases in review past their SLA and not yet escalated (the SLA timer escalates them; above 0 for long means workers are behind)',
    registers: [registry],
    async collect() {
      this.reset();
      // The status lookup is index-served; the date comparison filters that (small) set.
      const overdue = await readOrSkip(() => QueueEntryModel.countDocuments({ status: 'in_review', slaDueAt: { $lt: new Date() } }).maxTimeMS(SCRAPE_TIMEOUT_MS).exec());
      if (overdue !== undefined) this.set(overdue);
    },
  });
}

/** A gauge the database cannot answer right now is left out of this scrape (an absent series, not a false 0). */
async function readOrSkip<T>(read: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // maxTimeMS bounds the query; this bounds the wait for a connection too.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not answer in time')), SCRAPE_TIMEOUT_MS);
    });
    return await Promise.race([read(), timeout]);
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'metrics: cannot read the queue');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const sdkUp = new Gauge({
  name: 'fraud_worker_sdk_metrics_up',
  help: "1 when the last scrape read the Temporal SDK's metrics, 0 when it could not",
  registers: [businessRegistry],
});

/** The whole exposition: our registry, then the SDK's (both Prometheus text format 0.0.4). */
export async function metricsText(sdkAddress: string | undefined, registry: Registry = businessRegistry): Promise<string> {
  let sdk = '';
  if (sdkAddress) {
    try {
      const response = await fetch(`http://${sdkAddress}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      sdk = await response.text();
      sdkUp.set(1);
    } catch (error) {
      sdkUp.set(0);
      logger.warn({ err: { message: (error as Error).message } }, "cannot read the Temporal SDK's metrics");
    }
  }
  const own = await registry.metrics();
  return `${own}${own.endsWith('\n') || own === '' ? '' : '\n'}${sdk}`;
}

export interface OperationsServerOptions {
  port: number;
  /** True while every worker of this process runs. */
  healthy: () => boolean;
  /** The runtime's private exporter address, when it has one. */
  sdkAddress?: string;
}

/** `/healthz` and `/metrics` on WORKER_HEALTH_PORT (all interfaces: Prometheus and health checks come from outside the container). */
export function startOperationsServer({ port, healthy, sdkAddress }: OperationsServerOptions): http.Server {
  return http
    .createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET only' } }));
        return;
      }
      if (url === '/metrics') {
        metricsText(sdkAddress).then(
          (text) => res.writeHead(200, { 'content-type': businessRegistry.contentType }).end(text),
          (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
        );
        return;
      }
      if (url === '/healthz' || url === '/') {
        const ok = healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'not_running' }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'GET /healthz or /metrics' } }));
    })
    .listen(port, '0.0.0.0');
}

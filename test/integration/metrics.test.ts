/**
 * What operators see in Prometheus. The API serves /metrics on its own METRICS_PORT only,
 * never on the public port; each worker serves /healthz and /metrics on WORKER_HEALTH_PORT:
 * Temporal's SDK metrics and the business metrics, every name prefixed `fraud_`, moving as
 * checks are decided, reviewed, escalated, documented, webhooked and purged.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { freePort } from '../../stack/processes';
import { cleanOrder, reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { blurredJpeg, distinctPageJpeg } from '../fixtures/images';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';

/** `name{a="1",b="2"}` → value, from Prometheus' text format. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    samples.set(`${match[1]}${normaliseLabels(match[2] ?? '')}`, Number(match[3]));
  }
  return samples;
}

function normaliseLabels(labels: string): string {
  if (!labels) return '';
  const pairs = [...labels.slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`);
  return `{${pairs.sort().join(',')}}`;
}

/** The metric family names of an exposition (from its samples: the SDK's exporter writes no HELP). */
function families(text: string): string[] {
  return [...new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]))];
}

async function scrape(url: string): Promise<{ text: string; samples: Map<string, number>; type: string | null }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).to.equal(200);
  const text = await response.text();
  return { text, samples: parseExposition(text), type: response.headers.get('content-type') };
}

const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;
/** The sum of a family's samples over every label set. */
const total = (samples: Map<string, number>, family: string) =>
  [...samples].filter(([key]) => key === family || key.startsWith(`${family}{`)).reduce((sum, [, n]) => sum + n, 0);

describe('metrics (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let reviewer: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    reviewer = await h.token('rev_metrics', 'reviewer');
  });

  describe('the API', () => {
    it('serves no /metrics on its public port', async () => {
      const res = await call(h.baseUrl, 'GET', '/metrics');
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
    });

    it('serves them on METRICS_PORT, every name prefixed fraud_', async () => {
      const metricsPort = await freePort();
      const api = await h.startApi({ METRICS_PORT: String(metricsPort) });
      try {
        expect((await call(api.baseUrl, 'GET', '/metrics')).status).to.equal(404);
        const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: cleanOrder() });
        expect(created.status).to.equal(201);
        const { text, samples, type } = await scrape(`http://127.0.0.1:${metricsPort}`);
        expect(type).to.match(/^text\/plain/);
        expect(families(text).filter((f) => !f.startsWith('fraud_'))).to.deep.equal([]);
        expect(value(samples, 'fraud_checks_created_total{status="approved"}')).to.be.at.least(1);
        expect(value(samples, 'fraud_http_request_duration_seconds_count{method="POST",route="/v1/checks",status="201"}')).to.be.at.least(1);
        expect(families(text)).to.include('fraud_process_cpu_user_seconds_total');
        // The metrics port serves metrics only.
        expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/checks`)).status).to.equal(404);
      } finally {
        await api.service.stop();
      }
    });
  });

  describe('the workers', () => {
    it('serve /healthz and /metrics on WORKER_HEALTH_PORT: SDK and business metrics, every name prefixed fraud_', async () => {
      const health = await fetch(`${h.workerOpsUrl}/healthz`);
      expect(health.status).to.equal(200);
      expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: cleanOrder() })).status).to.equal(201);
      for (const url of [h.workerOpsUrl, h.documentsWorkerOpsUrl]) {
        const { text } = await scrape(url);
        const names = families(text);
        expect(names.filter((f) => !f.startsWith('fraud_')), url).to.deep.equal([]);
        // Temporal's SDK metrics, through the runtime's Prometheus exporter.
        expect(names.filter((f) => f.startsWith('fraud_temporal_')).length, url).to.be.above(3);
        expect(names, url).to.include('fraud_temporal_worker_task_slots_available');
        expect(names, url).to.include('fraud_worker_sdk_metrics_up');
        expect(names, url).to.include('fraud_nodejs_heap_size_used_bytes');
      }
      const { text } = await scrape(h.workerOpsUrl);
      expect(families(text)).to.include.members(['fraud_temporal_workflow_task_execution_latency_count', 'fraud_queue_depth', 'fraud_queue_sla_overdue']);
      expect((await fetch(`${h.workerOpsUrl}/nothing`)).status).to.equal(404);
    });

    it('count decisions by action and band as checks are decided', async () => {
      const before = (await scrape(h.workerOpsUrl)).samples;
      const submitted = [cleanOrder(), cleanOrder(), suspiciousOrder(), reviewOrder()];
      const expected = new Map<string, number>();
      for (const order of submitted) {
        const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
        expect(res.status).to.equal(201);
        const action = { approved: 'approve', awaiting_documents: 'verify', in_review: 'review', rejected: 'block' }[res.body.status as string];
        const key = `fraud_decisions_total{action="${action}",band="${res.body.risk.band}"}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      expect(expected.size).to.equal(3);
      const after = (await scrape(h.workerOpsUrl)).samples;
      for (const [key, n] of expected) expect(value(after, key) - value(before, key), key).to.equal(n);
    });

    it('count reviewer decisions, and show the queue depth move', async () => {
      const depth = async (status: string) => value((await scrape(h.workerOpsUrl)).samples, `fraud_queue_depth{status="${status}"}`);
      const inReviewBefore = await depth('in_review');
      const before = (await scrape(h.workerOpsUrl)).samples;
      const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: reviewOrder() });
      expect(created.body.status).to.equal('in_review');
      const checkId = created.body.checkId as string;
      await eventually(async () => ((await depth('in_review')) === inReviewBefore + 1 ? true : undefined), 20_000, 'the queue depth to grow');
      expect((await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token: reviewer })).status).to.equal(200);
      const decided = await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, { token: reviewer, json: { action: 'approve', reason: 'documents fine' } });
      expect(decided.status).to.equal(200);
      const key = 'fraud_review_decisions_total{action="approve",role="reviewer"}';
      await eventually(async () => (value((await scrape(h.workerOpsUrl)).samples, key) === value(before, key) + 1 ? true : undefined), 20_000, 'the reviewer decision counted');
      await eventually(async () => ((await depth('in_review')) === inReviewBefore ? true : undefined), 20_000, 'the queue depth to shrink');
    });

    it('count SLA breaches (review, then escalation), and show cases overdue for escalation', async () => {
      const review = 'fraud_sla_breaches_total{sla="review"}';
      const escalation = 'fraud_sla_breaches_total{sla="escalation"}';
      const before = (await scrape(h.workerOpsUrl)).samples;
      const api = await h.startApi({ REVIEW_SLA: '2s', ESCALATION_SLA: '2s' });
      try {
        const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: reviewOrder() });
        expect(created.body.status).to.equal('in_review');
        await eventually(async () => (value((await scrape(h.workerOpsUrl)).samples, review) === value(before, review) + 1 ? true : undefined), 30_000, 'the review SLA breach counted');
        await eventually(async () => (value((await scrape(h.workerOpsUrl)).samples, escalation) === value(before, escalation) + 1 ? true : undefined), 30_000, 'the escalation SLA breach counted');
      } finally {
        await api.service.stop();
      }
      // A case past its SLA that no timer has escalated yet (as when the checks workers are down): read from the queue.
      const db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
      try {
        const overdue = async () => value((await scrape(h.workerOpsUrl)).samples, 'fraud_queue_sla_overdue');
        const base = await overdue();
        const id = `chk_metrics_${randomBytes(4).toString('hex')}`;
        const now = new Date();
        await db.collection('queue').insertOne({
          _id: id as never,
          orderId: `ord_${id}`,
          status: 'in_review',
          band: 'high',
          score: 70,
          createdAt: now,
          updatedAt: now,
          slaDueAt: new Date(now.getTime() - 60_000),
        });
        try {
          expect(await overdue()).to.equal(base + 1);
        } finally {
          await db.collection('queue').deleteOne({ _id: id as never });
        }
        expect(await overdue()).to.equal(base);
      } finally {
        await db.close();
      }
    });

    it('count failed webhook deliveries by reason', async () => {
      const key = 'fraud_webhook_failures_total{reason="webhook_rejected"}';
      const before = value((await scrape(h.workerOpsUrl)).samples, key);
      const order = cleanOrder();
      h.webhooks.failNext.set(order.orderId, 2);
      expect((await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order })).status).to.equal(201);
      await eventually(() => (h.webhooks.forOrder(order.orderId).length >= 3 ? true : undefined), 30_000, 'the third delivery');
      await eventually(async () => (value((await scrape(h.workerOpsUrl)).samples, key) === before + 2 ? true : undefined), 10_000, 'two failures counted');
    });

    it('count documents by status and reason, on the documents worker', async () => {
      const scrapeDocs = async () => (await scrape(h.documentsWorkerOpsUrl)).samples;
      const before = await scrapeDocs();
      const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: suspiciousOrder() });
      const token = created.body.verification.token as string;
      const upload = async (data: Buffer) => {
        const form = new FormData();
        form.append('kind', 'identity');
        form.append('file', new Blob([data], { type: 'image/jpeg' }), 'photo.jpg');
        const res = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
      };
      await upload(await distinctPageJpeg(Math.floor(Math.random() * 1e9)));
      await upload(await blurredJpeg());
      const accepted = 'fraud_documents_processed_total{reason="none",status="accepted"}';
      const blurry = 'fraud_documents_processed_total{reason="blurry",status="rejected"}';
      await eventually(async () => {
        const now = await scrapeDocs();
        return value(now, accepted) === value(before, accepted) + 1 && value(now, blurry) === value(before, blurry) + 1 ? true : undefined;
      }, 60_000, 'one accepted and one blurry document counted');
    });

    it('count retention purges', async () => {
      const key = 'fraud_retention_purges_total';
      const before = total((await scrape(h.workerOpsUrl)).samples, key);
      const api = await h.startApi({ RETENTION_PERIOD: '2s' });
      try {
        expect((await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: cleanOrder() })).status).to.equal(201);
        await eventually(async () => (total((await scrape(h.workerOpsUrl)).samples, key) >= before + 1 ? true : undefined), 30_000, 'the purge counted');
        // From the Schedules' sweep (final checks complete their workflow; no check workflow purges any more).
        expect(value((await scrape(h.workerOpsUrl)).samples, 'fraud_retention_purges_total{by="sweep"}')).to.be.at.least(1);
      } finally {
        await api.service.stop();
      }
    });
  });
});

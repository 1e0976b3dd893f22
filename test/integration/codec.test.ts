/**
 * The codec endpoint the Temporal UI decodes payloads through (`POST /codec/decode`): a real
 * check's history, fetched from Temporal by a client WITHOUT our codec (as the UI sees it:
 * encrypted), decoded for an admin's token; refused without one, for other roles and for other
 * browser origins; CORS only for TEMPORAL_UI_URL; the sign-in cookie for a UI without a login;
 * bounded; logged without the payloads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import { suspiciousOrder } from '../fixtures/orders';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';

const UI = 'http://temporal-ui.test:8080';
const OTHER = 'https://evil.example';

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

/**
 * Every payload of a history, as the UI sends them: proto3 JSON, bytes in base64. Without the
 * SDK's own bookkeeping in markers (a local activity's sequence number and times, a patch's id),
 * which is not data of ours and never passes through a codec; a marker's `result` is ours.
 */
function payloadsOf(value: unknown, out: JsonPayload[] = [], inMarker = false): JsonPayload[] {
  if (!value || typeof value !== 'object') return out;
  const payloads = (value as { payloads?: unknown }).payloads;
  if (Array.isArray(payloads) && !inMarker) {
    for (const p of payloads as { metadata?: Record<string, Uint8Array>; data?: Uint8Array }[]) {
      out.push({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
      });
    }
  }
  for (const [key, child] of Object.entries(value)) {
    if (!child || typeof child !== 'object') continue;
    if (key === 'details' && 'markerName' in value) {
      for (const [name, detail] of Object.entries(child as object)) payloadsOf(detail, out, name !== 'result');
    } else payloadsOf(child, out, inMarker);
  }
  return out;
}

const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('codec endpoint for the Temporal UI (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let api: { baseUrl: string; service: { name: string; stop(): Promise<void> } };
  let admin: string;
  let senior: string;
  let reviewer: string;
  let order: ReturnType<typeof suspiciousOrder>;
  let checkId: string;
  let payloads: JsonPayload[];

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    api = await h.startApi({ TEMPORAL_UI_URL: `${UI}/`, LOG_LEVEL: 'info' });
    [admin, senior, reviewer] = await Promise.all([h.token('adm_ops', 'admin'), h.token('sen_ops', 'senior'), h.token('rev_ops', 'reviewer')]);
    order = suspiciousOrder();
    const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.status).to.equal(201);
    checkId = created.body.checkId;
    // Its history as Temporal holds it, read by a client with no codec.
    const connection = await Connection.connect({ address: h.stack.temporalAddress });
    try {
      const plainClient = new Client({ connection, namespace: 'default' });
      const history = await eventually(async () => {
        const h2 = await plainClient.workflow.getHandle(`fraud-check/${order.orderId}`).fetchHistory();
        return (h2.events ?? []).some((e) => e.activityTaskCompletedEventAttributes || e.markerRecordedEventAttributes) ? h2 : undefined;
      }, 20_000, 'a history with results');
      payloads = payloadsOf(history);
    } finally {
      await connection.close();
    }
    expect(payloads.length).to.be.at.least(3);
    for (const p of payloads) expect(text(p.metadata.encoding), text(p.data).slice(0, 300)).to.equal('binary/encrypted');
  });
  after(async () => api?.service.stop());

  const decode = (body: unknown, options: { token?: string; origin?: string; cookie?: string; headers?: Record<string, string> } = {}) =>
    call(api.baseUrl, 'POST', '/codec/decode', {
      token: options.token,
      json: body,
      headers: {
        'x-namespace': 'default',
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...options.headers,
      },
    });

  it('decodes a real workflow input for an admin: the order, as the workflow received it', async () => {
    const input = payloads[0];
    const res = await decode({ payloads: [input] }, { token: admin, origin: UI });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const [plain] = res.body.payloads as JsonPayload[];
    expect(text(plain.metadata.encoding)).to.equal('json/plain');
    const workflowInput = JSON.parse(text(plain.data));
    expect(workflowInput.checkId).to.equal(checkId);
    expect(workflowInput.order.orderId).to.equal(order.orderId);
    expect(workflowInput.order.customer.email).to.equal(order.customer.email);
  });

  it('decodes every payload of the history in one call (the CLI way: no Origin)', async () => {
    const res = await decode({ payloads }, { token: admin });
    expect(res.status).to.equal(200);
    expect(res.body.payloads).to.have.length(payloads.length);
    for (const p of res.body.payloads as JsonPayload[]) expect(text(p.metadata.encoding)).to.be.oneOf(['json/plain', 'binary/null']);
  });

  it('401 without a token or with a bad one; 403 for a senior and a reviewer', async () => {
    const body = { payloads: [payloads[0]] };
    const none = await decode(body, { origin: UI });
    expect(none.status).to.equal(401);
    expect(none.body.error.code).to.equal('unauthorized');
    expect(JSON.stringify(none.body)).not.to.include(order.customer.email);
    expect((await decode(body, { token: `${admin}x` })).status).to.equal(401);
    for (const token of [senior, reviewer]) {
      const res = await decode(body, { token, origin: UI });
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('forbidden');
      expect(JSON.stringify(res.body)).not.to.include(order.customer.email);
    }
  });

  it('CORS for the Temporal UI origin only, preflight included', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.baseUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const ok = await preflight(UI);
    expect(ok.status).to.equal(204);
    expect(ok.headers.get('access-control-allow-origin')).to.equal(UI);
    expect(ok.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(ok.headers.get('access-control-allow-methods')).to.equal('POST');
    const allowed = ok.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    expect(allowed).to.include.members(['content-type', 'x-namespace', 'authorization']);
    expect(ok.headers.get('vary')).to.match(/Origin/i);

    const refused = await preflight(OTHER);
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('access-control-allow-origin')).to.equal(null);

    const fromUi = await decode({ payloads: [payloads[0]] }, { token: admin, origin: UI });
    expect(fromUi.headers.get('access-control-allow-origin')).to.equal(UI);
    // Another site with a stolen admin token: refused, and nothing readable for its page.
    const elsewhere = await decode({ payloads: [payloads[0]] }, { token: admin, origin: OTHER });
    expect(elsewhere.status).to.equal(403);
    expect(elsewhere.body.error.code).to.equal('origin_not_allowed');
    expect(elsewhere.headers.get('access-control-allow-origin')).to.equal(null);
    expect(JSON.stringify(elsewhere.body)).not.to.include(order.customer.email);
  });

  it('a UI without a login: the sign-in form sets a cookie for /codec, honoured from the UI origin only', async () => {
    const page = await fetch(`${api.baseUrl}/codec`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('action="/codec/session"');

    const signIn = (token: string) =>
      fetch(`${api.baseUrl}/codec/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    const refused = await signIn(senior);
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('set-cookie')).to.equal(null);
    expect((await signIn('not-a-token')).status).to.equal(401);

    const ok = await signIn(admin);
    expect(ok.status).to.equal(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).to.match(/^fraud_codec_token=[\w.-]+; Path=\/codec; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0];

    const fromUi = await decode({ payloads: [payloads[0]] }, { cookie, origin: UI });
    expect(fromUi.status).to.equal(200);
    expect(JSON.parse(text(fromUi.body.payloads[0].data)).checkId).to.equal(checkId);
    // Not from elsewhere, and not without an Origin (the cookie is for the UI's calls only).
    expect((await decode({ payloads: [payloads[0]] }, { cookie, origin: OTHER })).status).to.equal(403);
    expect((await decode({ payloads: [payloads[0]] }, { cookie })).status).to.equal(401);

    const out = await fetch(`${api.baseUrl}/codec/session/end`, { method: 'POST' });
    expect(out.headers.get('set-cookie')).to.match(/^fraud_codec_token=; Path=\/codec; Max-Age=0/);
  });

  it('bounded and strict: too many payloads, not base64, not JSON, too large', async () => {
    const many = await decode({ payloads: Array.from({ length: 1001 }, () => payloads[0]) }, { token: admin });
    expect(many.status).to.equal(400);
    expect(many.body.error.code).to.equal('invalid_request');
    const notBase64 = await decode({ payloads: [{ metadata: { encoding: '***' }, data: 'x' }] }, { token: admin });
    expect(notBase64.status).to.equal(400);
    const notJson = await call(api.baseUrl, 'POST', '/codec/decode', { token: admin, body: 'payloads', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).to.equal(415);
    const huge = await decode({ payloads: [{ metadata: {}, data: 'A'.repeat(5 * 1024 * 1024) }] }, { token: admin });
    expect(huge.status).to.equal(413);
    expect(huge.body.error.code).to.equal('payload_too_large');
    // Unauthenticated, a large body is refused before it is read.
    expect((await decode({ payloads: [{ metadata: {}, data: 'A'.repeat(5 * 1024 * 1024) }] })).status).to.equal(401);
  });

  it('passes plaintext through and leaves what it cannot read encrypted', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') };
    const tampered = { ...payloads[0], data: Buffer.from(Buffer.from(payloads[0].data, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64') };
    const res = await decode({ payloads: [plain, tampered, payloads[0]] }, { token: admin });
    expect(res.status).to.equal(200);
    expect(res.body.payloads[0]).to.deep.equal(plain);
    expect(res.body.payloads[1]).to.deep.equal(tampered);
    expect(text(res.body.payloads[2].metadata.encoding)).to.equal('json/plain');
  });

  it('offers no encoder (it would forge payloads the workers accept)', async () => {
    const res = await call(api.baseUrl, 'POST', '/codec/encode', { token: admin, json: { payloads: [] }, headers: { origin: UI } });
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_offered');
  });

  it('logs who decoded which checks, never the payloads', async () => {
    const requestId = `codec-log-${Date.now()}`;
    expect((await decode({ payloads }, { token: admin, headers: { 'x-request-id': requestId } })).status).to.equal(200);
    const log = () => readFileSync(path.join(h.stack.logDir, `${api.service.name}.log`), 'utf8');
    const line = await eventually(() => {
      const found = log().split('\n').find((l) => l.includes(requestId) && l.includes('payloads decoded'));
      return found ? JSON.parse(found) : undefined;
    }, 10_000, 'the decode log line');
    expect(line).to.deep.include({ actor: { id: 'adm_ops', role: 'admin' }, namespace: 'default', payloads: payloads.length, failed: 0 });
    expect(line.checks).to.deep.equal([checkId]);
    expect(log()).not.to.include(order.customer.email);
  });
});

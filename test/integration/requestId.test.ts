/**
 * Request ids: a sane incoming `X-Request-Id` is kept, anything else replaced by a fresh one;
 * the id is echoed in the answer's header, put in every error body (`error.requestId`) and in
 * every log line the API writes while serving that request (the harness keeps each process's
 * log under DATA_DIR/logs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cleanOrder } from '../fixtures/orders';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}

describe('request ids (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let api: { baseUrl: string; service: { name: string; stop(): Promise<void> } };
  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    // Its own API at debug level, so every line a request causes is in its log.
    api = await h.startApi({ LOG_LEVEL: 'debug' });
  });
  after(async () => api?.service.stop());

  const logLines = (): LogLine[] =>
    readFileSync(path.join(h.stack.logDir, `${api.service.name}.log`), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const linesOf = (id: string) => logLines().filter((l) => JSON.stringify(l).includes(id));

  it('keeps a sane X-Request-Id and echoes it', async () => {
    for (const id of ['req-1', 'a'.repeat(128), 'b7f0c2de-3c1e-4a55-9a1b-0e3f7c9d2a11', 'trace:span/1.2_x']) {
      const res = await call(api.baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': id } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-request-id'), id).to.equal(id);
    }
  });

  it('makes one when there is none, and replaces one that is too long or not printable', async () => {
    const seen = new Set<string>();
    for (const bad of [undefined, '', 'a'.repeat(129), 'has space', 'quote"d', 'tab\tbed', 'ünicode', '<script>']) {
      const res = await call(api.baseUrl, 'GET', '/healthz', { headers: bad === undefined ? {} : { 'x-request-id': bad } });
      const id = res.headers.get('x-request-id');
      expect(id, String(bad)).to.match(/^[0-9a-f-]{36}$/);
      expect(id).not.to.equal(bad);
      seen.add(id!);
    }
    expect(seen.size).to.equal(8);
  });

  it('puts it in every error body: a router 404, a refused token, a bad JSON body, a validation error', async () => {
    const cases: [string, string, Parameters<typeof call>[3]][] = [
      ['GET', '/v1/nothing', {}],
      ['GET', '/v1/checks/o-1', { token: 'wrong' }],
      ['POST', '/v1/checks', { token: h.serviceKey, body: '{not json' }],
      ['POST', '/v1/checks', { token: h.serviceKey, json: { orderId: 'x' } }],
      ['GET', '/v1/review/cases', {}],
    ];
    for (const [method, url, options] of cases) {
      const id = `err-${method}-${url.replace(/\W+/g, '-')}-${Date.now()}`;
      const res = await call(api.baseUrl, method, url, { ...options, headers: { 'x-request-id': id } });
      expect(res.status, url).to.be.within(400, 499);
      expect(res.body.error.requestId, url).to.equal(id);
      expect(res.headers.get('x-request-id')).to.equal(id);
    }
    const made = await call(api.baseUrl, 'GET', '/v1/nothing');
    expect(made.body.error.requestId).to.equal(made.headers.get('x-request-id'));
  });

  it('puts it in every log line of the request, and logs each request once (route pattern, never the path)', async () => {
    const ok = `log-ok-${Date.now()}`;
    const order = cleanOrder();
    const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order, headers: { 'x-request-id': ok } });
    expect(created.status).to.equal(201);
    const bad = `log-bad-${Date.now()}`;
    expect((await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, body: '{not json', headers: { 'x-request-id': bad } })).status).to.equal(400);
    const token = 'A'.repeat(43);
    const link = `log-link-${Date.now()}`;
    expect((await call(api.baseUrl, 'GET', `/v1/verification/${token}`, { headers: { 'x-request-id': link } })).status).to.equal(404);

    const okLines = await eventually(() => (linesOf(ok).length > 0 ? linesOf(ok) : undefined), 10_000, 'the log line of the request');
    const access = okLines.filter((l) => l.msg === 'request');
    expect(access).to.have.length(1);
    expect(access[0]).to.include({ requestId: ok, method: 'POST', route: '/v1/checks', status: 201 });
    expect(access[0].ms).to.be.a('number');

    // The refused body: the middleware's own line and the request's line, both with the id.
    const badLines = await eventually(() => (linesOf(bad).length >= 2 ? linesOf(bad) : undefined), 10_000, 'both log lines of the refused body');
    expect(badLines.map((l) => l.msg)).to.include.members(['refused by a middleware', 'request']);
    for (const line of badLines) expect(line.requestId).to.equal(bad);

    // A customer's link: the route pattern in the log, never the token itself.
    const linkLines = await eventually(() => (linesOf(link).length > 0 ? linesOf(link) : undefined), 10_000, 'the link request line');
    expect(linkLines[0].route).to.equal('/v1/verification/:token');
    expect(readFileSync(path.join(h.stack.logDir, `${api.service.name}.log`), 'utf8')).not.to.include(token);
    // Nor the order's personal data.
    expect(JSON.stringify(okLines)).not.to.include(order.customer.email);
  });
});

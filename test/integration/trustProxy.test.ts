/**
 * TRUST_PROXY decides whose address the per-IP upload limit counts (60 per 10 minutes per API
 * process): the connection's, or the client's as a trusted proxy reports it in X-Forwarded-For.
 * (The per-IP limit counts requests with known links — unknown ones have their own budget —
 * so these attempts use real links, at most 20 each: the per-link limit.)
 */
import { expect } from 'chai';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { suspiciousOrder } from '../fixtures/orders';

describe('TRUST_PROXY (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  /**
   * Upload attempts with real links (a new one every 20, the per-link limit) and no file, each
   * answered 400 once counted; the statuses, in order.
   */
  const attempts = async (baseUrl: string, n: number, forwardedFor: (i: number) => string) => {
    const statuses: number[] = [];
    let token = '';
    for (let i = 0; i < n; i++) {
      if (i % 20 === 0) token = (await call(baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: suspiciousOrder() })).body.verification.token;
      const res = await call(baseUrl, 'POST', `/v1/verification/${token}/documents`, { headers: { 'x-forwarded-for': forwardedFor(i) } });
      statuses.push(res.status);
    }
    return statuses;
  };

  it('TRUST_PROXY=false: X-Forwarded-For is ignored, every request counts against the connection’s address', async () => {
    const api = await h.startApi({ TRUST_PROXY: 'false' });
    const statuses = await attempts(api.baseUrl, 61, (i) => `198.51.100.${i + 1}`);
    expect(statuses.slice(0, 60).every((s) => s === 400), statuses.join(',')).to.equal(true);
    expect(statuses[60]).to.equal(429);
    await api.service.stop();
  });

  it('the default (loopback): a local proxy’s X-Forwarded-For names the client, so each client has its own limit', async () => {
    const api = await h.startApi({});
    const many = await attempts(api.baseUrl, 70, (i) => `198.51.100.${i + 1}`);
    expect(many.every((s) => s === 400), many.join(',')).to.equal(true);
    const one = await attempts(api.baseUrl, 61, () => '203.0.113.7');
    expect(one.slice(0, 60).every((s) => s === 400)).to.equal(true);
    expect(one[60]).to.equal(429);
    await api.service.stop();
  });
});

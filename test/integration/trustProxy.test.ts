/**
 * TRUST_PROXY decides whose address the per-IP upload limit counts (60 per 10 minutes per API
 * process): the connection's, or the client's as a trusted proxy reports it in X-Forwarded-For.
 * (The per-IP limit is taken before the token is looked up, so unknown tokens count too.)
 */
import { expect } from 'chai';
import { call } from './client';
import { getHarness, type Harness } from './harness';

describe('TRUST_PROXY (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  /** Upload attempts to an unknown link; the statuses, in order. */
  const attempts = async (baseUrl: string, n: number, forwardedFor: (i: number) => string) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await call(baseUrl, 'POST', `/v1/verification/${'A'.repeat(43)}/documents`, { headers: { 'x-forwarded-for': forwardedFor(i) } });
      statuses.push(res.status);
    }
    return statuses;
  };

  it('TRUST_PROXY=false: X-Forwarded-For is ignored, every request counts against the connection’s address', async () => {
    const api = await h.startApi({ TRUST_PROXY: 'false' });
    const statuses = await attempts(api.baseUrl, 61, (i) => `198.51.100.${i + 1}`);
    expect(statuses.slice(0, 60).every((s) => s === 404), statuses.join(',')).to.equal(true);
    expect(statuses[60]).to.equal(429);
    await api.service.stop();
  });

  it('the default (loopback): a local proxy’s X-Forwarded-For names the client, so each client has its own limit', async () => {
    const api = await h.startApi({});
    const many = await attempts(api.baseUrl, 70, (i) => `198.51.100.${i + 1}`);
    expect(many.every((s) => s === 404), many.join(',')).to.equal(true);
    const one = await attempts(api.baseUrl, 61, () => '203.0.113.7');
    expect(one.slice(0, 60).every((s) => s === 404)).to.equal(true);
    expect(one[60]).to.equal(429);
    await api.service.stop();
  });
});

/**
 * The reviewer console's ES modules as the server serves them: every module main.js reaches
 * is there, served as JavaScript under the page CSP, and revalidated on each load, so a
 * browser never runs a mix of modules from before and after a deploy.
 */
import { expect } from 'chai';
import { call } from './client';
import { getHarness, type Harness } from './harness';

describe('reviewer console modules (integration)', function () {
  this.timeout(120_000);
  let h: Harness;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  it('loads main.js as a module and serves every module it imports, revalidated on each load', async () => {
    const page = await call(h.baseUrl, 'GET', '/review');
    expect(page.status).to.equal(200);
    expect(page.body).to.include('<script type="module" src="/review/main.js"></script>');

    const seen = new Set<string>();
    const queue = ['/review/main.js'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await call(h.baseUrl, 'GET', path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type'), path).to.match(/^(text|application)\/javascript/);
      expect(res.headers.get('cache-control'), path).to.equal('no-cache');
      expect(res.headers.get('etag'), path).to.be.a('string');
      expect(res.headers.get('content-security-policy'), path).to.include("script-src 'self'");
      for (const m of String(res.body).matchAll(/^import [^;]*? from '\.\/([\w-]+\.js)';$/gm)) queue.push(`/review/${m[1]}`);
    }
    expect(seen.size).to.be.greaterThan(10);
    expect([...seen]).to.include.members(['/review/api.js', '/review/queue.js', '/review/case.js', '/review/documents.js', '/review/decision.js', '/review/audit.js']);
  });
});

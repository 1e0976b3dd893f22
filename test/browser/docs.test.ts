/**
 * /docs in headless Chromium: the API reference renders the generated /openapi.json under the
 * page's CSP, from this origin only (no CDN), with no CSP violation or page error.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage } from './browser';
import { getHarness, type Harness } from '../integration/harness';

describe('API reference page /docs (browser)', function () {
  this.timeout(180_000);
  let h: Harness;
  let browser: Browser;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('renders every operation of /openapi.json, loading nothing from another origin, under its CSP', async () => {
    const t = await openPage(browser, { width: 1280, height: 900 });
    const requests: string[] = [];
    t.page.on('request', (request) => requests.push(request.url()));
    try {
      const response = await t.page.goto(`${h.baseUrl}/docs`, { waitUntil: 'networkidle' });
      expect(response?.status()).to.equal(200);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).to.include("script-src 'self'");
      expect(csp).to.include("connect-src 'self'");
      // An operation's summary from the document, rendered.
      await t.page.getByText('Start (or return) the check of an order', { exact: false }).first().waitFor({ timeout: 60_000 });
      // The tags of the document in the navigation.
      for (const tag of ['checks', 'customer', 'review', 'operations']) await t.page.getByText(tag, { exact: true }).first().waitFor({ timeout: 20_000 });
      await t.screenshot('docs');
      const origin = new URL(h.baseUrl).origin;
      expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'))).to.deep.equal([]);
      expect(t.allProblems()).to.deep.equal([]);
    } finally {
      await t.close();
    }
  });

  it('the document it reads is valid OpenAPI 3.1, as served', async () => {
    const res = await fetch(`${h.baseUrl}/openapi.json`);
    expect(res.status).to.equal(200);
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate((await res.json()) as Record<string, unknown>);
    expect(result.errors ?? []).to.deep.equal([]);
    expect(result.valid).to.equal(true);
  });
});

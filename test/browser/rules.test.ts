/** The console's Rules page in headless Chromium: versions, a diff, a backtest report; publish offered to admins only. */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { call } from '../integration/client';
import { getHarness, type Harness } from '../integration/harness';
import { launchBrowser, openPage, type TestPage } from './browser';

const DESKTOP = { width: 1400, height: 900 };

describe('rules page (browser)', function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  let tp: TestPage | undefined;
  let draft: string;

  before(async function () {
    this.timeout(600_000);
    [h, browser] = await Promise.all([getHarness(), launchBrowser()]);
    const live = await call(h.baseUrl, 'GET', '/v1/rulesets/live', { token: h.serviceKey });
    const extra = { code: 'BROWSER_EXTRA', description: 'a rule the browser test adds', points: 7, when: { field: 'order.amount', op: 'gt', value: 999_999 } };
    const saved = await call(h.baseUrl, 'POST', '/v1/rulesets', {
      token: h.serviceKey,
      json: { note: 'browser draft', rules: [...live.body.rules, extra], bands: live.body.bands, policy: live.body.policy },
    });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    draft = saved.body.version;
  });
  after(async () => browser?.close());
  afterEach(async () => {
    await tp?.close();
    tp = undefined;
  });

  const signedIn = async (role: 'reviewer' | 'senior' | 'admin', hash = '#/rules') => {
    const p = await openPage(browser, DESKTOP);
    await p.page.goto(`${h.baseUrl}/review${hash}`, { waitUntil: 'load' });
    await p.page.locator('#signin-view').waitFor({ state: 'visible', timeout: 15_000 });
    await p.page.locator('#token').fill(await h.token(`${role}_rules_page`, role));
    await p.page.locator('#sign-in').click();
    await p.page.locator('#app').waitFor({ state: 'visible', timeout: 15_000 });
    return p;
  };

  it('shows versions, the diff between two, and a backtest; an admin may publish', async () => {
    tp = await signedIn('admin');
    const { page } = tp;
    await page.locator('#rules-view').waitFor({ state: 'visible', timeout: 15_000 });
    const draftRow = page.locator('#rules tbody tr').filter({ hasText: draft });
    await draftRow.waitFor({ timeout: 15_000 });
    expect(await page.locator('#rules tbody tr').filter({ hasText: 'live' }).count()).to.be.at.least(1);
    expect(await draftRow.getByRole('button', { name: 'Publish' }).count()).to.equal(1);

    // From the live version to the draft: the added rule, in words.
    await page.getByRole('radio', { name: `compare to ${draft}` }).check();
    try {
      await page.locator('#rules-diff').filter({ hasText: '+ BROWSER_EXTRA (7 points): order.amount > 999999' }).waitFor({ timeout: 15_000 });
    } catch (error) {
      const html = await page.locator('#rules').innerText();
      throw new Error(`rules page shows: ${html.slice(0, 3000)}; problems: ${tp.allProblems().join(' | ')}`, { cause: error });
    }

    await draftRow.getByRole('button', { name: 'Backtest' }).click();
    await page.locator('#rules-report').filter({ hasText: `Backtest of ${draft}` }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#rules-report').textContent()).to.contain('Checks');
    await tp.screenshot('rules-1-admin');
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('offers a senior no publish, and a reviewer no Rules page', async () => {
    tp = await signedIn('senior');
    await tp.page.locator('#rules tbody tr').filter({ hasText: draft }).waitFor({ timeout: 15_000 });
    expect(await tp.page.getByRole('button', { name: 'Publish' }).count()).to.equal(0);
    expect(await tp.page.getByRole('button', { name: 'Shadow', exact: true }).count()).to.be.at.least(1);
    expect(tp.allProblems()).to.deep.equal([]);
    await tp.close();

    tp = await signedIn('reviewer');
    await tp.page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await tp.page.locator('#nav-rules').isHidden()).to.equal(true);
    expect(await tp.page.locator('#rules-view').isHidden()).to.equal(true);
    expect(tp.allProblems()).to.deep.equal([]);
  });
});

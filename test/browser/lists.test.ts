/** The console's Lists page in headless Chromium: a senior adds and deletes an entry; a reviewer is told why not. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { call } from '../integration/client';
import { getHarness, type Harness } from '../integration/harness';
import { cleanOrder } from '../fixtures/orders';
import { launchBrowser, openPage, type TestPage } from './browser';

describe('console Lists page (browser)', function () {
  this.timeout(120_000);
  let h: Harness;
  let browser: Browser;
  let tp: TestPage | undefined;

  before(async function () {
    this.timeout(600_000);
    [h, browser] = await Promise.all([getHarness(), launchBrowser()]);
  });
  after(async () => browser?.close());
  afterEach(async () => {
    await tp?.close();
    tp = undefined;
  });

  const signedIn = async (token: string, hash: string) => {
    const p = await openPage(browser, { width: 1400, height: 900 });
    await p.page.goto(`${h.baseUrl}/review${hash}`, { waitUntil: 'load' });
    await p.page.locator('#signin-view').waitFor({ state: 'visible', timeout: 15_000 });
    await p.page.locator('#token').fill(token);
    await p.page.locator('#sign-in').click();
    await p.page.locator('#app').waitFor({ state: 'visible', timeout: 15_000 });
    return p;
  };

  it('a senior adds an email to the block list (only its hint shown), a new check is rejected, then deletes it', async () => {
    const order = cleanOrder();
    const email = order.customer.email;
    tp = await signedIn(await h.token('sen_lists', 'senior'), '#/lists/block');
    const { page } = tp;
    await page.locator('#lists-add').waitFor({ timeout: 15_000 });
    expect(await page.locator('#nav-lists').isVisible()).to.equal(true);
    await page.locator('#lists-add-type').selectOption('email');
    await page.locator('#lists-add-value').fill(email);
    await page.locator('#lists-add-reason').fill(`browser test ${randomBytes(3).toString('hex')}`);
    await page.locator('#lists-add button[type="submit"]').click();
    const hint = `${email[0]}***@example.com`;
    const row = page.locator('#lists-body tr', { hasText: hint }).first();
    await row.waitFor({ timeout: 15_000 });
    expect(await page.locator('#lists').textContent()).not.to.include(email);
    await tp.screenshot('console-lists-block');

    const blocked = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(blocked.body.status).to.equal('rejected');

    page.once('dialog', (d) => void d.accept());
    const id = await row.getAttribute('data-entry-id');
    await row.locator('button', { hasText: 'Delete' }).click();
    await page.locator(`#lists-body tr[data-entry-id="${id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
    const listed = await call(h.baseUrl, 'GET', '/v1/lists/block/entries?type=email&limit=200', { token: h.serviceKey });
    expect(listed.body.items.some((e: { id: string }) => e.id === id)).to.equal(false);

    // The allow tab and the shipping address form.
    await page.locator('a[data-list="allow"]').click();
    await page.locator('#lists-add button', { hasText: 'allow list' }).waitFor({ timeout: 15_000 });
    await page.locator('#lists-add-type').selectOption('shipping_address');
    expect(await page.locator('#lists-value-box input[name="postalCode"]').count()).to.equal(1);
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('a reviewer has no Lists link and is told the lists are for seniors and admins', async () => {
    tp = await signedIn(await h.token('rev_lists', 'reviewer'), '#/lists/block');
    const { page } = tp;
    await page.locator('#lists').filter({ hasText: 'senior reviewers and admins' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#nav-lists').isHidden()).to.equal(true);
    expect(await page.locator('#lists-add').count()).to.equal(0);
    expect(tp.allProblems()).to.deep.equal([]);
  });
});

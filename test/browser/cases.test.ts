/**
 * The console's case tools in headless Chromium: linked cases one click away, an internal
 * note, a case file made and downloaded by a senior, search, and the admins' Privacy page.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { getHarness, type Harness } from '../integration/harness';
import { call } from '../integration/client';
import { decide, inReview, reviewedWithDocuments, waitForStatus } from '../integration/caseFixtures';
import { launchBrowser, openPage, type TestPage } from './browser';

const DESKTOP = { width: 1400, height: 900 };

describe('case tools in the console (browser)', function () {
  this.timeout(180_000);
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

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${h.baseUrl}/review`, { waitUntil: 'load' });
    await page.locator('#token').fill(token);
    await page.locator('#sign-in').click();
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
  }

  it('a senior follows a linked case, adds a note, makes and downloads a case file, and searches', async () => {
    const n = randomBytes(4).toString('hex');
    const payment = { method: 'card', card: { bin: '411111', last4: '1111', country: 'US', fingerprint: `fp_ui_${n}` }, avsResult: 'match', cvvResult: 'match', threeDSecure: 'authenticated' };
    const first = await inReview(h, { payment });
    const second = await inReview(h, { payment });
    const senior = await h.token('sen_ui', 'senior');
    await decide(h, senior, first.checkId, { action: 'reject', reason: 'stolen card' });
    await waitForStatus(h, senior, first.checkId, 'rejected');

    tp = await openPage(browser, DESKTOP);
    const { page } = tp;
    await signIn(page, senior);
    await page.goto(`${h.baseUrl}/review#/cases/${second.checkId}`);
    const link = page.locator(`#linked-cases li[data-check-id="${first.checkId}"]`);
    await link.waitFor({ timeout: 15_000 });
    expect(await link.textContent()).to.include('shares card');
    await link.locator('a').click();
    await page.locator(`#case[data-check-id="${first.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#case-status').getAttribute('data-status')).to.equal('rejected');

    await page.locator('#note-text').fill('called the bank: card reported stolen');
    await page.locator('#add-note').click();
    await page.locator('#notes li').filter({ hasText: 'card reported stolen' }).waitFor({ timeout: 15_000 });

    await page.locator('#report-kind').selectOption('bank');
    await page.locator('#report-name').fill('First Bank');
    await page.locator('#report-reference').fill(`FB-${n}`);
    expect(await page.locator('#report-originals').count()).to.equal(0); // originals: admins only
    await page.locator('#create-report').click();
    const item = page.locator('#reports li').filter({ hasText: 'First Bank' });
    await item.waitFor({ timeout: 15_000 });
    await tp.screenshot('cases-1-case-tools');
    const [download] = await Promise.all([page.waitForEvent('download'), item.locator('.download-report').click()]);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    expect(Object.keys(files)).to.include.members(['manifest.json', 'case.json', 'audit.json']);

    await page.goto(`${h.baseUrl}/review#/search`);
    await page.locator('#search-field').selectOption('orderId');
    await page.locator('#search-value').fill(second.orderId);
    await page.locator('#search-run').click();
    await page.locator(`#search-results tr[data-check-id="${second.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#nav-privacy').isVisible()).to.equal(false);
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it("an admin finds a person's checks on the Privacy page", async () => {
    const n = randomBytes(4).toString('hex');
    const email = `Ui.Subject.${n}@example.com`;
    const c = await inReview(h, { customer: { id: `cus_ui_${n}`, email, accountCreatedAt: '2024-01-02T00:00:00Z', previousOrders: 3, previousChargebacks: 2 } });
    const admin = await h.token('adm_ui', 'admin');
    tp = await openPage(browser, DESKTOP);
    const { page } = tp;
    await signIn(page, admin);
    await page.locator('#nav-privacy').click();
    await page.locator('#privacy-view').waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('#privacy-value').fill(email.toUpperCase());
    await page.locator('#privacy-find').click();
    await page.locator(`#privacy-results tr[data-check-id="${c.checkId}"]`).waitFor({ timeout: 15_000 });
    await tp.screenshot('cases-2-privacy');
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('a reviewer rejects one document from the console; the upload page tells the customer why', async () => {
    const reviewer = await h.token('rev_ui_doc', 'reviewer');
    const c = await reviewedWithDocuments(h, reviewer);
    const reason = 'the photo is cut off at the edge';
    tp = await openPage(browser, DESKTOP);
    const { page } = tp;
    await signIn(page, reviewer);
    await page.goto(`${h.baseUrl}/review#/cases/${c.checkId}`);
    await page.locator('#claim').click();
    await page.locator('#claim-holder').filter({ hasText: 'Claimed by you' }).waitFor({ timeout: 10_000 });
    page.once('dialog', (dialog) => void dialog.accept(reason));
    await page.locator(`[data-reject-document="${c.documentIds[0]}"]`).click();
    await page.locator('#case-status[data-status="awaiting_documents"]').waitFor({ timeout: 20_000 });
    expect(tp.allProblems()).to.deep.equal([]);

    const check = (await call(h.baseUrl, 'GET', `/v1/checks/${c.orderId}`, { token: h.serviceKey })).body;
    await page.goto(`${h.baseUrl}/verify/${check.verification.token}`);
    await page.locator('#cards').filter({ hasText: 'Needed again' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#cards').textContent()).to.include('The photo is cut off at the edge.');
    await tp.screenshot('cases-3-upload-page-rejection');
    expect(tp.allProblems()).to.deep.equal([]);
  });
});

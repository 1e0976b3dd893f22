/** The customer upload page (GET /verify/:token) in headless Chromium on a phone-sized screen. */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { call } from '../integration/client';
import { eventually, getHarness, type Harness } from '../integration/harness';
import { suspiciousOrder } from '../fixtures/orders';
import { blurredJpeg } from '../fixtures/images';
import { launchBrowser, openPage, type TestPage } from './browser';
import { uniquePhotoJpeg } from './images';

const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

describe('upload page (browser)', function () {
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

  const newCheck = async () => {
    const order = suspiciousOrder();
    const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('awaiting_documents');
    return { order, check: res.body, verification: res.body.verification as { requested: string[]; token: string; uploadUrl: string; expiresAt: string } };
  };

  it('lists what is asked with the deadline, takes one photo per kind and says thank you', async () => {
    const { order, verification } = await newCheck();
    expect(verification.uploadUrl).to.match(/^http:\/\/localhost:\d+\/verify\/.+/);
    tp = await openPage(browser, PHONE);
    const { page } = tp;

    const response = await page.goto(verification.uploadUrl, { waitUntil: 'load' });
    expect(response?.status()).to.equal(200);
    // One card per requested kind, in the order asked.
    await page.locator(`section[data-kind="${verification.requested[0]}"]`).waitFor({ timeout: 15_000 });
    const kinds = await page.locator('#cards section[data-kind]').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    expect(kinds).to.deep.equal(verification.requested);
    for (const kind of verification.requested) {
      expect(await page.locator(`section[data-kind="${kind}"] h2`).textContent()).to.be.a('string').and.not.empty;
      expect(await page.locator(`[data-role="status"][data-kind="${kind}"]`).textContent()).to.include('Needed');
    }
    // The deadline, in words.
    const deadline = page.locator('#deadline');
    expect(await deadline.isVisible()).to.equal(true);
    const deadlineText = (await deadline.textContent()) ?? '';
    expect(deadlineText).to.match(/Please send everything by .+\(in \d+ (days?|hours?|minutes?)\)\./);
    expect(await page.locator('#message').textContent()).to.match(/Please send (the document|these \d+ documents) below\./);
    await tp.screenshot('upload-1-before');

    for (const [i, kind] of verification.requested.entries()) {
      const buffer = await uniquePhotoJpeg(60 * (i + 1));
      await page.locator(`input[type=file][data-kind="${kind}"]`).setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer });
      const button = page.locator(`button[data-action="upload"][data-kind="${kind}"]`);
      expect(await button.isEnabled()).to.equal(true);
      if (i === 0) await tp.screenshot('upload-2-file-chosen');
      await button.click();
      await page.locator(`[data-role="status"][data-kind="${kind}"]`).filter({ hasText: 'Accepted' }).waitFor({ timeout: 60_000 });
    }

    // Everything in: the page thanks the customer and offers no more uploads.
    await page.locator('#message').filter({ hasText: 'Thank you' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#message').textContent()).to.include('we are reviewing your documents');
    expect(await page.locator('#page-title').textContent()).to.equal('Thank you');
    expect(await page.locator('button[data-action="upload"]:visible').count()).to.equal(0);
    for (const kind of verification.requested) {
      expect(await page.locator(`[data-role="status"][data-kind="${kind}"]`).textContent()).to.include('Accepted');
    }
    await tp.screenshot('upload-3-after');

    // And the check really moved on.
    await eventually(async () => {
      const c = await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
      return c.body.status === 'in_review' ? c : undefined;
    }, 20_000, 'in_review');
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('says clearly when the link is unknown', async () => {
    tp = await openPage(browser, PHONE);
    const { page } = tp;
    const origin = new URL((await getHarness()).env.PUBLIC_URL as string).origin;
    await page.goto(`${origin}/verify/${'A'.repeat(43)}`, { waitUntil: 'load' });
    await page.locator('#page-title').filter({ hasText: 'This link is no longer valid' }).waitFor({ timeout: 15_000 });
    const message = (await page.locator('#message').textContent()) ?? '';
    expect(message).to.include('This link is unknown or has expired');
    expect(message).to.include('contact the shop');
    expect(await page.locator('#cards').isVisible()).to.equal(false);
    expect(await page.locator('#deadline').isVisible()).to.equal(false);
    await tp.screenshot('upload-4-unknown-token');
    // The status answer is a 404 by contract; Chromium logs every failed resource load as a
    // console error. That one line is expected; anything else (CSP, script errors) is not.
    const unexpected = tp.allProblems().filter((p) => !/^console: Failed to load resource: the server responded with a status of 404 .*\/v1\/verification\/A{43}/.test(p));
    expect(unexpected).to.deep.equal([]);
  });

  it('shows a rejected (blurry) photo as Rejected, with a reason sentence, and lets the customer try again', async () => {
    const { verification } = await newCheck();
    tp = await openPage(browser, PHONE);
    const { page } = tp;
    await page.goto(verification.uploadUrl, { waitUntil: 'load' });
    const kind = verification.requested[0];
    await page.locator(`section[data-kind="${kind}"]`).waitFor({ timeout: 15_000 });
    await page.locator(`input[type=file][data-kind="${kind}"]`).setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await blurredJpeg() });
    await page.locator(`button[data-action="upload"][data-kind="${kind}"]`).click();
    const status = page.locator(`[data-role="status"][data-kind="${kind}"]`);
    await status.filter({ hasText: 'Rejected' }).waitFor({ timeout: 60_000 });
    const text = (await status.textContent()) ?? '';
    // "Rejected The photo is blurry. Hold your phone steady, … and try again. Please upload a new file."
    expect(text).to.match(/^Rejected\s+[A-Z][^.]+\..*Please upload a new file\.$/);
    expect(text).to.include('blurry');
    // The pickers come back for a new try.
    expect(await page.locator(`section[data-kind="${kind}"] .controls`).isVisible()).to.equal(true);
    expect(await page.locator(`section[data-kind="${kind}"]`).getAttribute('class')).to.include('is-rejected');
    await tp.screenshot('upload-5-rejected');
    expect(tp.allProblems()).to.deep.equal([]);
  });
});

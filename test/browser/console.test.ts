/**
 * The reviewer console (GET /review) in headless Chromium: sign in, queue, case, viewer, decision,
 * audit; amounts as money; the upload countdown; what the caller's permissions offer.
 */
import { expect } from 'chai';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Browser, Page } from 'playwright-core';
import { call } from '../integration/client';
import { eventually, getHarness, type Harness } from '../integration/harness';
import { reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { launchBrowser, openPage, type TestPage } from './browser';
import { uniquePhotoJpeg } from './images';

const DESKTOP = { width: 1400, height: 900 };

describe('reviewer console (browser)', function () {
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

  const getCheck = (orderId: string) => call(h.baseUrl, 'GET', `/v1/checks/${orderId}`, { token: h.serviceKey });

  /** A check straight in review (no documents). */
  const reviewCase = async () => {
    const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: reviewOrder() });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('in_review');
    return res.body as { checkId: string; orderId: string };
  };

  /** A check that asked for documents, got them all through the API, and is now in review. */
  const documentedCase = async () => {
    const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: suspiciousOrder() });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('awaiting_documents');
    const { checkId, orderId } = res.body as { checkId: string; orderId: string };
    const { token, requested } = res.body.verification as { token: string; requested: string[] };
    for (const [i, kind] of requested.entries()) {
      const form = new FormData();
      form.append('kind', kind);
      form.append('file', new Blob([await uniquePhotoJpeg(70 * (i + 1))], { type: 'image/jpeg' }), `${kind}.jpg`);
      const up = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
      expect(up.status, JSON.stringify(up.body)).to.equal(202);
    }
    try {
      await eventually(async () => {
        const c = await getCheck(orderId);
        return c.body.status === 'in_review' ? c : undefined;
      }, 60_000, `${orderId} in_review`);
    } catch (err) {
      // Say where it is stuck: the check and each document's status.
      const [c, v] = await Promise.all([getCheck(orderId), call(h.baseUrl, 'GET', `/v1/verification/${token}`)]);
      throw new Error(`${(err as Error).message}; check ${JSON.stringify({ status: c.body.status, timeline: c.body.timeline })}; verification ${JSON.stringify(v.body)}`, { cause: err });
    }
    return { checkId, orderId, requested };
  };

  const row = (page: Page, checkId: string) => page.locator(`tr[data-check-id="${checkId}"]`);

  /** The queue shows 50 rows a page, most urgent first: load more until the row is there. */
  const findRow = async (page: Page, checkId: string) => {
    await page.locator('#queue-updated').filter({ hasText: 'Updated' }).waitFor({ timeout: 15_000 });
    for (let i = 0; i < 20 && (await row(page, checkId).count()) === 0; i++) {
      const more = page.locator('#load-more');
      if (!(await more.isVisible())) break;
      const before = await page.locator('#queue-body tr').count();
      await more.click();
      await eventually(async () => ((await page.locator('#queue-body tr').count()) > before ? true : undefined), 10_000, 'next queue page');
    }
    await row(page, checkId).waitFor({ timeout: 15_000 });
    return row(page, checkId);
  };

  it('signs in, works a documented case from the queue to approved, and shows a verified audit chain', async () => {
    const [other, kase] = await Promise.all([reviewCase(), documentedCase()]);
    const reviewerToken = await h.token('rev_e2e', 'reviewer');

    tp = await openPage(browser, DESKTOP);
    const { page } = tp;
    const response = await page.goto(`${h.baseUrl}/review`, { waitUntil: 'load' });
    expect(response?.status()).to.equal(200);

    // Sign in.
    await page.locator('#signin-view').waitFor({ state: 'visible', timeout: 15_000 });
    await tp.screenshot('console-1-signin');
    await page.locator('#token').fill(reviewerToken);
    await page.locator('#sign-in').click();
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#whoami').textContent()).to.include('rev_e2e');

    // The queue: the documented case is there, in review; the counts are numbers.
    const caseRow = await findRow(page, kase.checkId);
    await findRow(page, other.checkId);
    expect(await caseRow.locator('td').nth(2).textContent()).to.equal('In review');
    expect(await caseRow.textContent()).to.include(kase.orderId);
    expect(Number(await caseRow.locator('td').nth(7).textContent())).to.equal(kase.requested.length);
    const count = (await page.locator('[data-count="in_review"]').textContent()) ?? '';
    expect(count).to.match(/^\d+$/);
    expect(Number(count)).to.be.greaterThan(0);
    await caseRow.scrollIntoViewIfNeeded();
    await tp.screenshot('console-2-queue');

    // Open the case by clicking its row (a cell that is not the order link).
    await caseRow.locator('td').nth(2).click();
    const caseEl = page.locator(`#case[data-check-id="${kase.checkId}"]`);
    await caseEl.waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).hash).to.equal(`#/cases/${kase.checkId}`);
    expect(await page.locator('#case-status').getAttribute('data-status')).to.equal('in_review');
    await page.locator('img[data-document-id]').first().waitFor({ timeout: 30_000 });
    await eventually(async () => ((await page.locator('img[data-document-id]').count()) === kase.requested.length ? true : undefined), 30_000, 'all thumbnails');
    // Thumbnails are blob: images that really decoded.
    const decoded = await page.locator('img[data-document-id]').evaluateAll((imgs) =>
      imgs.map((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0),
    );
    expect(decoded.every(Boolean), 'thumbnails decoded').to.equal(true);
    await tp.screenshot('console-3-case');

    // The viewer: open from the thumbnail, zoom in, rotate, close with Escape.
    const thumb = page.locator('img[data-document-id]').first();
    await thumb.click();
    const viewer = page.locator('#viewer');
    await viewer.waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('#viewer-img').waitFor({ state: 'visible', timeout: 30_000 });
    const fitZoom = (await page.locator('#zoom-level').textContent()) ?? '';
    await page.locator('#zoom-in').click();
    const zoomed = (await page.locator('#zoom-level').textContent()) ?? '';
    expect(parseInt(zoomed, 10)).to.be.greaterThan(parseInt(fitZoom, 10));
    await page.locator('#rotate').click();
    expect(await viewer.getAttribute('class')).to.include('is-quarter-turn');
    expect(await viewer.evaluate((el) => (el as unknown as { style: { getPropertyValue(n: string): string } }).style.getPropertyValue('--rotate'))).to.equal('90deg');
    // The viewer is a modal over the viewport: a viewport shot shows it as the reviewer sees it.
    await tp.screenshot('console-4-viewer', { fullPage: false });
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden', timeout: 5_000 });
    expect(new URL(page.url()).hash, 'Escape closes only the viewer').to.equal(`#/cases/${kase.checkId}`);

    // Claim, approve with a reason.
    await page.locator('#claim').click();
    await page.locator('#claim-holder').filter({ hasText: 'Claimed by you' }).waitFor({ timeout: 10_000 });
    await page.locator('button[data-decision="approve"]').click();
    expect(await page.locator('button[data-decision="approve"]').getAttribute('aria-pressed')).to.equal('true');
    await page.locator('#reason').fill('Documents match the order; e2e approval.');
    expect(await page.locator('#submit-decision').textContent()).to.equal('Approve order');
    await page.locator('#submit-decision').click();
    await page.locator('#case-status[data-status="approved"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#case-status').textContent()).to.equal('Approved');
    expect(await page.locator('#decision-error').textContent()).to.equal('');
    expect(await page.locator('button[data-decision="approve"]').isDisabled()).to.equal(true);
    await page.locator('#flash').filter({ hasText: 'Approve: recorded' }).waitFor({ timeout: 5_000 });
    await tp.screenshot('console-5-approved');

    // Back to the queue: the approved case has left the in-review list; the other one is still there.
    await page.locator('#case h1').click();
    await page.keyboard.press('Escape');
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 10_000 });
    expect(new URL(page.url()).hash).to.equal('#/queue');
    await row(page, kase.checkId).waitFor({ state: 'detached', timeout: 20_000 });
    await findRow(page, other.checkId);
    await tp.screenshot('console-6-queue-after');

    // The API agrees, and the order pipeline heard about it.
    const final = await getCheck(kase.orderId);
    expect(final.body.status).to.equal('approved');
    expect(final.body.fulfilment).to.equal('release');
    expect(final.body.timeline.at(-1)).to.include({ to: 'approved', reason: 'Documents match the order; e2e approval.' });
    const hook = await eventually(() => h.webhooks.forOrder(kase.orderId).find((e) => e.data.status === 'approved'), 20_000, 'approved webhook');
    expect(hook.data.checkId).to.equal(kase.checkId);

    // The audit tab: the hash chain verifies.
    await page.goto(`${h.baseUrl}/review#/cases/${kase.checkId}/audit`);
    const auditStatus = page.locator('#audit-status');
    await auditStatus.waitFor({ timeout: 15_000 });
    expect(await auditStatus.textContent()).to.match(/verified/i);
    expect(await auditStatus.getAttribute('data-valid')).to.equal('true');
    const actions = await page.locator('table.audit tbody tr td:nth-child(4)').allTextContents();
    expect(actions.join(' | ')).to.match(/claim/i).and.to.match(/decision|approve/i);
    await tp.screenshot('console-7-audit');

    expect(tp.allProblems()).to.deep.equal([]);
  });
  /** A fresh page signed in with `token`, at `hash` (the queue unless told). */
  const signedIn = async (token: string, hash = '#/queue') => {
    const p = await openPage(browser, DESKTOP);
    await p.page.goto(`${h.baseUrl}/review${hash}`, { waitUntil: 'load' });
    await p.page.locator('#signin-view').waitFor({ state: 'visible', timeout: 15_000 });
    await p.page.locator('#token').fill(token);
    await p.page.locator('#sign-in').click();
    await p.page.locator('#app').waitFor({ state: 'visible', timeout: 15_000 });
    return p;
  };

  /** A suspicious order's check (awaiting documents) with the given uploads processed. */
  const awaitingCase = async (uploads: { kind: string; file: Buffer; type: string; name: string }[] = []) => {
    const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: suspiciousOrder() });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.status).to.equal('awaiting_documents');
    const { checkId, orderId } = res.body as { checkId: string; orderId: string };
    const { token } = res.body.verification as { token: string };
    const documentIds: string[] = [];
    for (const u of uploads) {
      const form = new FormData();
      form.append('kind', u.kind);
      form.append('file', new Blob([u.file], { type: u.type }), u.name);
      const up = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
      expect(up.status, JSON.stringify(up.body)).to.equal(202);
      documentIds.push(up.body.documentId);
    }
    await eventually(async () => {
      const v = await call(h.baseUrl, 'GET', `/v1/verification/${token}`);
      const docs = (v.body.documents ?? []) as { documentId: string; status: string }[];
      return documentIds.every((id) => docs.find((d) => d.documentId === id)?.status === 'accepted') ? true : undefined;
    }, 60_000, `${orderId} documents accepted`);
    return { checkId, orderId, documentIds };
  };

  const twoPagePdf = async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (const text of ['Utility bill', 'Page 2']) pdf.addPage([595, 842]).drawText(text, { x: 50, y: 780, size: 18, font });
    return Buffer.from(await pdf.save());
  };

  it('shows every amount as money in the currency’s own decimals: queue, order, items, reasons', async () => {
    const money = (currency: string) => ({ currency, amount: 189900, items: [{ sku: 'sku_tv', name: 'TV', category: 'tools', quantity: 1, unitAmount: 189900 }] });
    const [usd, jpy] = await Promise.all(
      ['USD', 'JPY'].map(async (currency) => {
        const res = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: reviewOrder(money(currency)) });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.status).to.equal('in_review');
        return res.body as { checkId: string; orderId: string };
      }),
    );
    tp = await signedIn(await h.token('rev_money', 'reviewer'));
    const { page } = tp;
    expect(await (await findRow(page, usd.checkId)).locator('td').nth(3).textContent()).to.equal('$1,899.00');
    expect(await (await findRow(page, jpy.checkId)).locator('td').nth(3).textContent()).to.equal('¥189,900');

    await page.goto(`${h.baseUrl}/review#/cases/${usd.checkId}`);
    await page.locator(`#case[data-check-id="${usd.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#order-amount').textContent()).to.equal('$1,899.00');
    expect(await page.locator('table.items tbody td:nth-child(4)').textContent()).to.equal('$1,899.00');
    expect(await page.locator('table.items tbody td:nth-child(5)').textContent()).to.equal('$1,899.00');
    expect(await page.locator('tr[data-reason="HIGH_VALUE"] td:nth-child(3)').textContent()).to.equal('order total $1,899.00 (at least $500.00)');
    expect(await page.locator('#case').textContent()).to.not.include('minor units');
    await tp.screenshot('console-money-usd');

    await page.goto(`${h.baseUrl}/review#/cases/${jpy.checkId}`);
    await page.locator(`#case[data-check-id="${jpy.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#order-amount').textContent()).to.equal('¥189,900');
    expect(await page.locator('table.items tbody td:nth-child(5)').textContent()).to.equal('¥189,900');
    expect(await page.locator('tr[data-reason="HIGH_VALUE"] td:nth-child(3)').textContent()).to.equal('order total ¥189,900 (at least ¥50,000)');

    // Reasons recorded before the server said money are shown as money too; three decimals where a currency has them.
    const shown = await page.evaluate(async () => {
      const format = await import('/review/format.js' as string);
      return [
        format.moneyInDetail('order total 189900 USD minor units (>= 50000)'),
        format.moneyInDetail('electronics worth 189900 JPY minor units'),
        format.fmtMoney(1234567, 'BHD'),
      ];
    });
    expect(shown.slice(0, 2)).to.deep.equal(['order total $1,899.00 (at least $500.00)', 'electronics worth ¥189,900']);
    expect(shown[2]).to.match(/^BHD\s1,234\.567$/);
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('counts the upload deadline down only while the case is waiting for uploads', async () => {
    const [waiting, reviewed] = await Promise.all([awaitingCase(), documentedCase()]);
    tp = await signedIn(await h.token('rev_clock', 'reviewer'), `#/cases/${waiting.checkId}`);
    const { page } = tp;
    const requested = page.locator('section[aria-labelledby="sec-documents-requested"]');

    await page.locator(`#case[data-check-id="${waiting.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#case-status').getAttribute('data-status')).to.equal('awaiting_documents');
    await requested.locator('[data-sla-due]').filter({ hasText: /left$/ }).waitFor({ timeout: 5_000 });

    await page.goto(`${h.baseUrl}/review#/cases/${reviewed.checkId}`);
    await page.locator(`#case[data-check-id="${reviewed.checkId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('#case-status').getAttribute('data-status')).to.equal('in_review');
    // The deadline is still said (when it was), but nothing counts towards it.
    await requested.locator('time').waitFor({ timeout: 5_000 });
    await page.waitForTimeout(1_500); // a tick or more of the once-a-second clocks
    expect(await requested.locator('[data-sla-due]').count()).to.equal(0);
    expect(await requested.textContent()).to.not.match(/left|overdue/i);
    await tp.screenshot('console-deadline-in-review');
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('offers originals only to a role the API grants them: a reviewer sees no "original" on a PDF, a senior opens it', async () => {
    const kase = await awaitingCase([
      { kind: 'identity', file: await uniquePhotoJpeg(40), type: 'image/jpeg', name: 'id.jpg' },
      { kind: 'address', file: await twoPagePdf(), type: 'application/pdf', name: 'bill.pdf' },
    ]);
    const [photoId, pdfId] = kase.documentIds;
    const card = (page: Page, id: string) => page.locator(`article[data-document="${id}"]`);

    // A reviewer: no original anywhere, and the PDF card says why.
    tp = await signedIn(await h.token('rev_orig', 'reviewer'), `#/cases/${kase.checkId}`);
    let { page } = tp;
    await card(page, pdfId).waitFor({ timeout: 15_000 });
    expect(await page.locator('#whoami').textContent()).to.include('rev_orig').and.include('reviewer');
    expect(await card(page, pdfId).locator('button', { hasText: /original/i }).count()).to.equal(0);
    expect(await card(page, pdfId).textContent()).to.include('opening originals is not part of your role');
    expect(await card(page, photoId).locator('button', { hasText: /original/i }).count()).to.equal(0);
    await card(page, photoId).locator('img[data-document-id]').click();
    await page.locator('#viewer-img').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#viewer-original').isHidden()).to.equal(true);
    await page.keyboard.press('Escape');
    expect(tp.allProblems()).to.deep.equal([]);
    await tp.close();

    // A senior: the PDF's original downloads; the photo offers its original too.
    tp = await signedIn(await h.token('sen_orig', 'senior'), `#/cases/${kase.checkId}`);
    ({ page } = tp);
    await card(page, pdfId).waitFor({ timeout: 15_000 });
    const open = card(page, pdfId).locator('button', { hasText: /open original/i });
    expect(await open.count()).to.equal(1);
    expect(await card(page, photoId).locator('button', { hasText: 'View original' }).count()).to.equal(1);
    await tp.screenshot('console-senior-originals');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), open.click()]);
    expect(download.suggestedFilename()).to.equal(`${pdfId}.pdf`);
    const head = await new Promise<Buffer>((resolve, reject) => {
      download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      }, reject);
    });
    expect(head.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    // The server let it through and audited it.
    const audit = await call(h.baseUrl, 'GET', `/v1/review/cases/${kase.checkId}/audit`, { token: await h.token('sen_orig', 'senior') });
    const views = (audit.body.entries as { action: string; actor: { id: string }; detail: { documentId: string; variant: string } }[]).filter((e) => e.action === 'document.viewed');
    expect(views.some((v) => v.actor.id === 'sen_orig' && v.detail.documentId === pdfId && v.detail.variant === 'original')).to.equal(true);
    expect(tp.allProblems()).to.deep.equal([]);
  });

  it('asks the API who a token is at sign-in and at every reload: one it refuses never reaches the queue', async () => {
    const good = await h.token('rev_forged', 'reviewer');
    const forged = `${good.slice(0, -4)}${good.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    tp = await openPage(browser, DESKTOP);
    const { page } = tp;
    await page.goto(`${h.baseUrl}/review`, { waitUntil: 'load' });
    await page.locator('#token').fill(forged);
    await page.locator('#sign-in').click();
    await page.locator('#signin-error').filter({ hasText: /\w/ }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#app').isHidden()).to.equal(true);
    expect(await page.locator('#signin-view').isVisible()).to.equal(true);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).to.equal(0);
    // The refused call is the only problem the page logged (Chromium reports a 401 as a console error).
    expect(tp.problems.pageErrors).to.deep.equal([]);

    // The real token signs in; a reload asks the API again and stays signed in.
    await page.locator('#token').fill(good);
    await page.locator('#sign-in').click();
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
    await page.reload({ waitUntil: 'load' });
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#whoami').textContent()).to.include('rev_forged');

    // The server out of reach at a reload: not signed in, told why, and the token kept for the next reload.
    await page.route('**/v1/review/me', (route) => route.abort('connectionrefused'));
    await page.reload({ waitUntil: 'load' });
    await page.locator('#signin-error').filter({ hasText: 'Reload the page to try again' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#app').isHidden()).to.equal(true);
    await page.unroute('**/v1/review/me');
    await page.reload({ waitUntil: 'load' });
    await page.locator('#queue-view').waitFor({ state: 'visible', timeout: 15_000 });
    expect(tp.problems.pageErrors).to.deep.equal([]);
  });
});

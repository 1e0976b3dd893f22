/**
 * Headless Chromium for the end-to-end page tests: Debian's /usr/bin/chromium driven by
 * playwright-core (no bundled browser download). Each test gets a fresh context and page that
 * records console errors and uncaught page errors (a CSP violation shows up as a console
 * error), so a test can assert the page ran cleanly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');

/** A new browser; `launch` starts with a new, empty, temporary user data dir. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface ProblemLog {
  /** Console messages of type `error` (includes CSP violation reports). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  problems: ProblemLog;
  /** Console errors and page errors together, each prefixed with where it came from. */
  allProblems(): string[];
  /** Saves a screenshot (full page unless told otherwise) as test-results/screenshots/<name>.png. */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fresh context (own cookies and storage) and page with the given viewport, watching the
 * console and uncaught errors from the first navigation on.
 */
export async function openPage(
  browser: Browser,
  options: { width: number; height: number; isMobile?: boolean; deviceScaleFactor?: number; hasTouch?: boolean },
): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    isMobile: options.isMobile,
    hasTouch: options.hasTouch,
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const problems: ProblemLog = { consoleErrors: [], pageErrors: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location();
    problems.consoleErrors.push(`${message.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack || error.message));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    problems,
    allProblems: () => [...problems.consoleErrors.map((e) => `console: ${e}`), ...problems.pageErrors.map((e) => `pageerror: ${e}`)],
    async screenshot(name: string, { fullPage = true }: { fullPage?: boolean } = {}) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      // animations: 'disabled' ends CSS transitions (the viewer's rotation) before the shot.
      await page.screenshot({ path: file, fullPage, animations: 'disabled' });
      return file;
    },
    close: () => context.close(),
  };
}

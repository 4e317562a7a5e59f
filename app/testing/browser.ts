import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { chatUiRoutes } from '../../chat-ui/routes.ts';
import { findFreePort } from '../../common/ports.ts';
import { listen } from '../server.ts';
import { testAgentApp } from './agent-app.ts';

/**
 * The harness the chat page's browser tests (chat-ui/*.e2e.test.ts) share (here, in app/, because it drives the assembled server): a real headless Chromium
 * (Debian's, driven by playwright-core), fresh pages that collect their JavaScript errors, the real
 * server with the page on the shared devnet, and the few steps every test takes (send a message, wait
 * for the reply, keep a screenshot).
 */

/** Debian's Chromium (apt-get install chromium); playwright-core downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/** Screenshots of the key states, kept as test artifacts (test-artifacts/ is not committed). */
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'screenshots');

/** How long a poll waits: the machine may be shared and slow, and an execution lands in seconds. */
export const WAIT = { timeout: 30_000, interval: 100 };

/** A page's size and what it may do; 1280×900 and no permissions unless given. */
export type PageOptions = { width?: number; height?: number; permissions?: string[] };

/** A fresh browser context (no cookie) and its page, with the page's JavaScript errors as they happen. */
export type OpenedPage = { context: BrowserContext; page: Page; errors: string[] };

/** Where a server with the chat page listens, and the access token that signs a page in. */
export type ChatServer = { server: { url: string }; token: string };

/**
 * Chromium for the test file that calls this (at its top level): launched before the file's tests,
 * closed after them. `defaults` apply to every page it opens unless a call overrides them.
 */
export function useChromium(defaults: PageOptions = {}) {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium).`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh browser context (no cookie) and page; the test checks `errors` to fail on JavaScript errors. */
  async function openPage(options: PageOptions = {}): Promise<OpenedPage> {
    if (!browser) throw new Error('Chromium is not running: open pages in tests, after useChromium() launched it.');
    const { width = 1280, height = 900, permissions } = { ...defaults, ...options };
    const context = await browser.newContext({
      viewport: { width, height },
      ...(permissions ? { permissions } : {}),
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    return { context, page, errors };
  }

  /**
   * A fresh page signed in through the URL `sextant start` prints: once the page has taken the token
   * out of its address and shows the account's balances.
   */
  async function signedIn(at: ChatServer, options: PageOptions = {}): Promise<OpenedPage> {
    const opened = await openPage(options);
    await opened.page.goto(`${at.server.url}/?token=${at.token}`);
    await expect.poll(() => opened.page.url(), WAIT).toBe(`${at.server.url}/`);
    await opened.page.getByTestId('balance-row').first().waitFor();
    return opened;
  }

  return { openPage, signedIn };
}

/**
 * The real server on the shared devnet (app/testing/agent-app.ts) with the chat page, acting for
 * `users` and signed in as the first, on a free port until the file's tests end. `api` calls its
 * HTTP API with that user's token.
 */
export async function serveChatPage(...[manifest, deps, users, extra = {}]: Parameters<typeof testAgentApp>) {
  const started = testAgentApp(manifest, deps, users, { ...extra, page: chatUiRoutes() });
  const server = await listen(started.app, '127.0.0.1', await findFreePort());
  afterAll(() => server.close());
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${started.token}`, 'content-type': 'application/json' },
    });
  return { ...started, server, api };
}

/** Types `message` into the composer and sends it with Enter. */
export async function send(page: Page, message: string) {
  await page.getByTestId('message-input').fill(message);
  await page.getByTestId('message-input').press('Enter');
}

/** The latest assistant reply, once its stream has ended. */
export async function lastReply(page: Page) {
  const reply = page.getByTestId('assistant-message').last();
  await expect.poll(() => reply.getAttribute('aria-busy'), WAIT).toBe('false');
  return reply;
}

/** A screenshot to test-artifacts/screenshots/`name`.png: the whole page, or only `element` when given. */
export async function snap(page: Page, name: string, element?: Locator) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

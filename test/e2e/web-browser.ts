// Debian's chromium driven by playwright-core, for the dashboard's tests. The browser is closed
// (and its process checked gone) by close(), whatever the test did.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { alive, waitFor } from './harness.js';

/** Where screenshots of each view go (git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../build/screenshots/', import.meta.url));

/** The browser the tests drive: Debian's chromium, or $CHROMIUM. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here (false when they can). */
export const CHROMIUM_MISSING: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (Debian: apt-get install chromium)`;

/** One headless chromium. */
export class TestBrowser {
  private constructor(private readonly browser: Browser, private readonly pid: number | null) {}

  /** Launches /usr/bin/chromium (no sandbox: the tests run as root). */
  static async launch(): Promise<TestBrowser> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    // playwright-core does not give the pid: the browser's process is our newest chromium child.
    return new TestBrowser(browser, browserPid());
  }

  /** A fresh context (its own cookies) with a page. */
  async page(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    return { context, page: await context.newPage() };
  }

  /** Writes a screenshot of the page under build/screenshots. */
  static async shot(page: Page, name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  /** Closes the browser and waits until its process is gone. */
  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    if (this.pid != null) await waitFor('the browser process to end', () => !alive(this.pid!), 10_000);
  }
}

// The newest chromium child of this process (launched just now).
function browserPid(): number | null {
  let best: { pid: number; start: number } | null = null;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      if (Number(rest[1]) !== process.pid || !comm.startsWith('chrom')) continue;
      const start = Number(rest[19]);
      if (!best || start > best.start) best = { pid: Number(d), start };
    } catch { /* gone */ }
  }
  return best?.pid ?? null;
}

// The dashboard with 500 jobs in a real browser (Debian's chromium): every view opens and the page
// stays responsive (the charts view of a program with 500 instances froze the page); nothing is
// fetched from another origin (offline), and the first load stays small.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { TestHome } from './harness.js';
import { CHROMIUM_MISSING, TestBrowser } from './web-browser.js';

interface WebJson { url: string; listen: string }

describe('dashboard with 500 jobs in chromium', { skip: CHROMIUM_MISSING }, () => {
  const h = new TestHome('appinit-qaweb500-');
  let browser: TestBrowser;
  let web: WebJson;
  let page: Page;
  const foreign: string[] = [];
  let firstLoad = 0;

  before(async () => {
    process.env.APPINIT_SAMPLE_MS = '250'; // samples to chart within the test
    await h.up('programs:\n  many:\n    command: sleep 100000\n    instances: 500\n');
    const r = await h.cli(['web', '--listen', '127.0.0.1:0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    web = JSON.parse(r.stdout) as WebJson;
    browser = await TestBrowser.launch();
    page = (await browser.page()).page;
    const origin = new URL(web.url).origin;
    await page.context().route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(`${origin}/`) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
      foreign.push(u);
      return route.abort();
    });
    page.on('response', async (res) => {
      const len = Number((await res.allHeaders())['content-length'] ?? 0);
      firstLoad += len;
    });
  });
  after(async () => {
    await browser?.close();
    await h.cleanup();
  });

  test('the table shows the 500 jobs; the first load is small and same-origin only', async () => {
    await page.goto(web.url);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-job]').length >= 500, null, { timeout: 30_000 });
    assert.ok(firstLoad > 0 && firstLoad < 300 * 1024, `first load ${firstLoad} bytes over the wire (goal < 300 KB)`);
  });

  test('every view opens and the page answers a click within 10 s afterwards, charts included', async () => {
    // Samples of the 500 jobs exist before the charts view is opened.
    await page.waitForTimeout(1000); // lets the 250 ms sampler take a few samples (nothing to wait on)
    for (const v of ['logs', 'charts', 'acct', 'schedule', 'resources', 'terminal', 'jobs']) {
      await page.click(`button[data-view="${v}"]`, { timeout: 10_000 });
      await page.locator(`button.on[data-view="${v}"]`).waitFor({ timeout: 10_000 });
      if (v === 'charts') {
        await page.locator('div.chart canvas').first().waitFor({ timeout: 15_000 });
        const canvases = await page.locator('div.chart canvas').count();
        assert.ok(canvases <= 40, `${canvases} chart canvases at once: one program's 500 instances must not all be drawn`);
        // The range control redraws without freezing the page.
        await page.locator('select').nth(1).selectOption({ label: '1 hour' }, { timeout: 10_000 });
      }
    }
    await page.waitForFunction(() => document.querySelectorAll('tr[data-job]').length >= 500, null, { timeout: 10_000 });
    assert.deepEqual(foreign, [], 'nothing fetched from another origin');
  });
});

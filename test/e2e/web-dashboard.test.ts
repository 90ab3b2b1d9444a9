// The dashboard in a real browser (Debian's chromium through playwright-core): log in with the
// token, see jobs pushed live, stop and start with a click without a reload, follow a log line
// written after the page opened, add an at job, type into an attached terminal and detach, and a
// viewer's stop refused. A screenshot of each view goes to build/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CLI, TestHome, waitFor } from './harness.js';
import { CHROMIUM_MISSING, TestBrowser } from './web-browser.js';

const YAML = `programs:
  ticker:
    command: sh -c 'trap "echo marker-$$-after-open" USR1; echo ticker up $$; while :; do sleep 1 & wait $!; done'
  echoer:
    command: sh -c 'while read l; do echo "got:$l"; done'
    tty: true
  forker:
    command: sh -c '(sleep 1000 &); exec sleep 1001'
`;

interface WebJson { url: string; listen: string; tokens: { operator: string; viewer: string; metrics: string } }

describe('dashboard in chromium', { skip: CHROMIUM_MISSING }, () => {
  const h = new TestHome('appinit-web-');
  let browser: TestBrowser;
  let web: WebJson;
  let page: Page;
  const state = (name: string, text: string) => page.locator(`tr[data-job="${name}"] td.state`, { hasText: text }).waitFor({ timeout: 15_000 });

  before(async () => {
    process.env.APPINIT_SAMPLE_MS = '250'; // charts have samples within the test
    // Two jobs on one of appinit's mutexes: one holds it, the other waits (the graph's arrows).
    // The waiter asks once the holder says it holds m1 (after a fixed `sleep 1` it could ask first under load).
    const lock = (then: string) => `${process.execPath} ${CLI} lock m1 -- ${then}`;
    const held = `${h.home}/m1-held`;
    await h.up(`${YAML}  holder:\n    command: ${lock(`sh -c 'touch ${held}; exec sleep 1000'`)}\n  waiter:\n    command: sh -c 'while [ ! -e ${held} ]; do sleep 0.05; done; exec ${lock('true')}'\n    restart: never\n`);
    await h.waitJob('ticker', 'running', (j) => j.state === 'running');
    const r = await h.cli(['web', '--listen', '127.0.0.1:0', '--json']);
    assert.equal(r.code, 0, r.stderr);
    web = JSON.parse(r.stdout) as WebJson;
    browser = await TestBrowser.launch();
    page = (await browser.page()).page;
  });
  after(async () => {
    await browser?.close();
    await h.cleanup();
  });

  test('the token in the fragment logs in; the table shows the jobs, pushed', async () => {
    await page.goto(web.url);
    await state('ticker', 'running');
    await state('echoer', 'running');
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'appinit_web');
    assert.ok(c?.httpOnly && c.sameSite === 'Strict', `an HttpOnly SameSite=Strict cookie: ${JSON.stringify(cookies)}`);
    assert.equal(await page.evaluate(() => document.cookie), '', 'the page\'s scripts cannot read the token');
    await TestBrowser.shot(page, 'jobs');
  });

  test('stop and start with a click: the state changes without a reload', async () => {
    await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; });
    await page.click('tr[data-job="ticker"] button[data-act="stop"]');
    await state('ticker', 'stopped');
    assert.equal((await h.status()).find((j) => j.name === 'ticker')?.state, 'stopped', 'the daemon stopped it');
    await page.click('tr[data-job="ticker"] button[data-act="start"]');
    await state('ticker', 'running');
    assert.equal(await page.evaluate(() => (window as unknown as { marker: number }).marker), 42, 'the same page: no reload');
  });

  test('signal: the chosen signal reaches the job', async () => {
    await state('ticker', 'running');
    const pid = (await h.status()).find((j) => j.name === 'ticker')!.pid!;
    // Started again by the test above: `running` is its ready time, not its trap. A USR1 before
    // the trap would end it; its `ticker up PID` line comes after the trap.
    await waitFor('ticker\'s USR1 trap set', async () => new RegExp(`ticker up ${pid}$`, 'm').test((await h.cli(['logs', 'ticker'])).stdout));
    await page.selectOption('.bar select', 'USR1');
    await page.click('tr[data-job="ticker"] button[data-act="signal"]');
    await waitFor('the USR1 trap\'s line in the log', async () => (await h.cli(['logs', 'ticker'])).stdout.includes(`marker-${pid}-after-open`));
    await page.selectOption('.bar select', 'TERM');
  });

  test('the process tree of a job, with its adopted orphan', async () => {
    await page.click('tr[data-job="forker"] button[data-act="tree"]');
    await page.locator('ul.tree[data-tree="forker"] li', { hasText: 'leader' }).waitFor({ timeout: 10_000 });
    // The sleep its subshell left behind (parent gone) is still the job's, marked adopted.
    await page.locator('ul.tree[data-tree="forker"] li', { hasText: 'adopted' }).waitFor({ timeout: 10_000 });
    assert.match(await page.locator('ul.tree[data-tree="forker"]').innerText(), /sleep 1000[\s\S]*adopted|adopted[\s\S]*sleep 1000/);
    await TestBrowser.shot(page, 'tree');
    await page.click('tr[data-job="forker"] button[data-act="tree"]');
  });

  test('logs: a line written after the page opened appears', async () => {
    const follow = page.waitForResponse((r) => r.url().includes('/api/v1/logs/follow') && r.url().includes('ticker'));
    await page.click('tr[data-job="ticker"] button[data-act="logs"]');
    await follow;
    await page.locator('pre.logs', { hasText: 'ticker up' }).waitFor({ timeout: 10_000 });
    const pid = (await h.status()).find((j) => j.name === 'ticker')!.pid!;
    const r = await h.cli(['signal', 'USR1', 'ticker']);
    assert.equal(r.code, 0, r.stderr);
    // The signal test above wrote one marker already: this one is the second, written now.
    await page.locator('pre.logs div', { hasText: `marker-${pid}-after-open` }).nth(1).waitFor({ timeout: 10_000 });
    await TestBrowser.shot(page, 'logs');
  });

  test('schedule: an at job added from the page is in atq', async () => {
    await page.click('button[data-view="schedule"]');
    await page.fill('input.at-spec', 'now + 2 hours');
    await page.fill('input.at-cmd', 'echo from-the-web');
    await page.click('form button[type="submit"]');
    await page.locator('table.atq tr', { hasText: 'echo from-the-web' }).waitFor({ timeout: 10_000 });
    const q = await h.cli(['atq', '--json']);
    assert.match(q.stdout, /from-the-web/, `atq lists it: ${q.stdout}`);
    // A crontab with an error: the daemon's file:line:col comes back, nothing is installed.
    await page.fill('textarea.crontab', '* * * * * echo ok\n61 * * * * echo bad\n');
    await page.click('button.crontab-save');
    await page.locator('.crontab-errors', { hasText: ':2:' }).waitFor({ timeout: 10_000 });
    assert.notEqual((await h.cli(['crontab', '-l'])).code, 0, 'no crontab was installed');
    await TestBrowser.shot(page, 'schedule');
  });

  test('terminal: typed keys reach a tty job; Ctrl-\\ Ctrl-D detaches and the job runs on', async () => {
    await page.click('button[data-view="jobs"]');
    await page.click('tr[data-job="echoer"] button[data-act="attach"]');
    await page.locator('.term-status', { hasText: 'attached' }).waitFor({ timeout: 10_000 });
    await page.click('.term');
    await page.keyboard.type('hello-term');
    await page.keyboard.press('Enter');
    await page.locator('.xterm-rows', { hasText: 'got:hello-term' }).waitFor({ timeout: 10_000 });
    await TestBrowser.shot(page, 'terminal');
    await page.keyboard.press('Control+Backslash');
    await page.keyboard.press('Control+d');
    await page.locator('.term-status', { hasText: 'detached' }).waitFor({ timeout: 10_000 });
    assert.equal((await h.status()).find((j) => j.name === 'echoer')?.state, 'running', 'detaching leaves the job running');
  });

  test('accounting, charts and resources views render', async () => {
    await page.click('button[data-view="acct"]');
    await page.locator('table.acct-summary').waitFor();
    await TestBrowser.shot(page, 'acct');
    await page.click('button[data-view="charts"]');
    await page.locator('.chart canvas').first().waitFor({ timeout: 15_000 });
    await TestBrowser.shot(page, 'charts');
    await page.click('button[data-view="resources"]');
    await page.locator('table.resources tr', { hasText: 'm1' }).waitFor({ timeout: 10_000 });
    await page.locator('svg.rag line.holds').first().waitFor({ timeout: 10_000 });
    await page.locator('svg.rag line.waits').first().waitFor({ timeout: 10_000 });
    assert.ok(await page.locator('svg.rag circle').count() >= 2, 'the holder and the waiter as circles');
    assert.equal(await page.locator('svg.rag rect').count(), 1, 'm1 as a rectangle');
    await TestBrowser.shot(page, 'resources');
  });

  test('resources: a deadlock is drawn in red and explained', async () => {
    // The daemon refuses any request that would deadlock, so a live one cannot be made: the
    // detection's answer for two jobs in a cycle is given to the page as the API would give it.
    await page.route('**/api/v1/deadlock', (route) => route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        resources: ['r1', 'r2'], holders: ['job a (pid 11)', 'job b (pid 12)'], existing: [1, 1], available: [0, 0],
        allocation: [[1, 0], [0, 1]], request: [[0, 1], [1, 0]], deadlocked: ['job a (pid 11)', 'job b (pid 12)'], order: [], steps: [],
      }),
    }));
    try {
      await page.click('button[data-view="jobs"]');
      await page.click('button[data-view="resources"]');
      await page.locator('.deadlock', { hasText: 'job a (pid 11) waits for 1 of r2 (0 free), held by job b (pid 12)' }).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('svg.rag g.proc.dead').count(), 2, 'both processes highlighted');
      assert.equal(await page.locator('svg.rag line.dead').count(), 4, 'their holds and waits arrows in red');
      await TestBrowser.shot(page, 'resources-deadlock');
    } finally {
      await page.unroute('**/api/v1/deadlock');
    }
  });

  test('a viewer\'s stop is refused by the daemon and the job keeps running', async () => {
    const { page: viewer, context } = await browser.page();
    try {
      await viewer.goto(`${web.url.split('#')[0]}#token=${web.tokens.viewer}`);
      await viewer.locator('tr[data-job="ticker"] td.state', { hasText: 'running' }).waitFor({ timeout: 15_000 });
      await viewer.click('tr[data-job="ticker"] button[data-act="stop"]');
      await viewer.locator('.errors', { hasText: 'read-only' }).waitFor({ timeout: 10_000 });
      await TestBrowser.shot(viewer, 'viewer-refused');
      await waitFor('ticker still running', async () => (await h.status()).find((j) => j.name === 'ticker')?.state === 'running');
    } finally {
      await context.close();
    }
  });

  // Last: it kills the daemon. The logs view stopped for good at a daemon restart, still saying "live".
  test('logs: the view follows on after the daemon is killed and started again', async () => {
    await page.click('button[data-view="jobs"]');
    const follow = page.waitForResponse((r) => r.url().includes('/api/v1/logs/follow') && r.url().includes('ticker'));
    await page.click('tr[data-job="ticker"] button[data-act="logs"]');
    await follow;
    await page.locator('pre.logs', { hasText: 'ticker up' }).waitFor({ timeout: 10_000 });
    const pid = (await h.status()).find((j) => j.name === 'ticker')!.pid!;
    const daemon = h.daemonPid();
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon gone', () => { try { process.kill(daemon, 0); return false; } catch { return true; } });
    h.reconnect();
    await page.locator('.bar .muted', { hasText: 'reconnecting' }).waitFor({ timeout: 10_000 });
    assert.equal((await h.cli(['info'])).code, 0, 'the next daemon'); // serves the dashboard again, same address
    await waitFor('the dashboard back', async () => (await fetch(`${web.url.split('#')[0]}whoami`, { headers: { authorization: `Bearer ${web.tokens.viewer}` } }).catch(() => null))?.status === 200, 20_000);
    await page.locator('.bar .muted', { hasText: 'live' }).waitFor({ timeout: 15_000 });
    assert.equal((await h.cli(['signal', 'USR1', 'ticker'])).code, 0);
    // Two markers were written before; this one after the restart.
    await page.locator('pre.logs div', { hasText: `marker-${pid}-after-open` }).nth(2).waitFor({ timeout: 15_000 });
  });
});

// GET /metrics against Prometheus' own checker: `promtool check metrics` (Debian's prometheus
// package) must accept the text as it is, with programs running, one that exited with a code,
// one killed by a signal, logs written and an at job run (the lateness histogram).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { TestHome, waitFor } from '../e2e/harness.js';

interface WebJson { listen: string; tokens: { operator: string; viewer: string; metrics: string } }

describe('GET /metrics and promtool', () => {
  const h = new TestHome('appinit-webmet-');
  let web: WebJson;
  const scrape = async (token: string) => {
    const r = await fetch(`http://${web.listen}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return r.text();
  };

  before(async () => {
    await h.up(`programs:
  steady:
    command: sh -c 'echo "a line with \\"quotes\\""; exec sleep 1000'
  failing:
    command: sh -c 'exit 3'
    restart: never
  victim:
    command: sleep 1000
    restart: never
  soon:
    command: echo a program run at a time
    at: now
  unready:
    command: sleep 1000
    ready: notify
`);
    await h.waitJob('failing', 'exited', (j) => j.lastExit?.code === 3);
    await h.waitJob('victim', 'running', (j) => j.state === 'running');
    web = JSON.parse((await h.cli(['web', '--listen', '127.0.0.1:0', '--json'])).stdout) as WebJson;
  });
  after(() => h.cleanup());

  test('the text passes promtool check metrics, with every family the issue names', async (t) => {
    if (spawnSync('promtool', ['--version']).error) return t.skip('promtool not installed (Debian: prometheus)');
    assert.equal((await h.cli(['signal', 'KILL', 'victim'])).code, 0);
    await h.waitJob('victim', 'killed', (j) => j.lastExit?.signal === 9);
    const at = await h.cli(['at', 'now'], { input: 'echo at-ran\n' });
    assert.equal(at.code, 0, at.stderr);
    const text = await waitFor('an at run counted', async () => {
      const s = await scrape(web.tokens.metrics);
      return /^appinit_scheduler_runs_total\{kind="at"\} 1$/m.test(s) ? s : null;
    }, 90_000, 200);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}\n---\n${text}`);
    assert.equal((check.stdout + check.stderr).trim(), '', 'no lint remarks');
    for (const re of [
      /^appinit_program_up\{program="steady",instance="0",job="\d+"\} 1$/m,
      /^appinit_program_up\{program="failing",instance="0",job="\d+"\} 0$/m,
      /^appinit_program_exits_total\{program="victim",signal="9"\} 1$/m,
      /^appinit_program_restarts_total\{program="steady",/m,
      /^appinit_program_cpu_seconds_total\{program="steady",[^}]*\} \d/m,
      /^appinit_program_resident_memory_bytes\{program="steady",[^}]*\} [1-9]\d*$/m,
      /^appinit_program_open_fds\{program="steady",[^}]*\} [1-9]\d*$/m,
      /^appinit_program_log_bytes\{program="steady",stream="stdout"\} [1-9]\d*$/m,
      /^appinit_scheduler_lateness_seconds_bucket\{kind="at",le="\+Inf"\} 1$/m,
      /^appinit_scheduler_lateness_seconds_count\{kind="at"\} 1$/m,
      // `at now` is due when it was queued, not at its minute's start.
      /^appinit_scheduler_lateness_seconds_bucket\{kind="at",le="5"\} 1$/m,
      // A program's own scheduled run (at:, cron:) counts as its kind, program.
      /^appinit_scheduler_runs_total\{kind="program"\} 1$/m,
      /^appinit_scheduler_lateness_seconds_count\{kind="program"\} 1$/m,
      /^appinit_scheduler_lateness_seconds_bucket\{kind="program",le="5"\} 1$/m,
      // Not ready (no READY=1 yet) is not up, as status and up --wait see it.
      /^appinit_program_up\{program="unready",instance="0",job="\d+"\} 0$/m,
      /^appinit_daemon_cpu_seconds_total \d/m,
      /^appinit_daemon_resident_memory_bytes [1-9]/m,
      /^appinit_helper_resident_memory_bytes [1-9]/m,
      /^appinit_deadlocked_holders 0$/m,
      /^# TYPE appinit_resource_waiters gauge$/m,
    ]) assert.match(text, re);
  });

  test('a program\'s CPU counter keeps what its ended processes used: it never goes back while the job runs', async () => {
    // Children that burn CPU and end, one after another, under one job.
    await h.cli(['start', '--name', 'burner', '--', 'sh', '-c', 'while :; do timeout 0.2 sh -c "while :; do :; done"; done']);
    await h.waitJob('burner', 'running', (j) => j.state === 'running');
    const value = async () => {
      const m = /^appinit_program_cpu_seconds_total\{program="burner",[^}]*\} (\S+)$/m.exec(await scrape(web.tokens.metrics));
      return m ? Number(m[1]) : -1;
    };
    const seen: number[] = [];
    await waitFor('a counter that passed 0.6 s of CPU', async () => {
      seen.push(await value());
      return seen[seen.length - 1] > 0.6;
    }, 30_000, 100);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `never back: ${seen.join(' ')}`);
    await h.cli(['stop', 'burner']);
  });

  test('an exit code counts under its program', async () => {
    // failing exited (code 3) before the scrape could see the change? It is counted from the event.
    const text = await scrape(web.tokens.viewer);
    assert.match(text, /^appinit_program_exits_total\{program="failing",code="3"\} 1$/m);
  });
});

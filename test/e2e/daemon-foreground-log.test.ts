// `appinit daemon FILE` in the foreground: its log lines leave together at the end of each turn
// (api/daemon-log.ts turnLog), yet what it prints reads as before: every job change in order,
// the `up` summary after the starts it made, the status table after every `-> running`, and
// the last line (`daemon stopped`) written before the process exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { CLI, TestHome, waitFor } from './harness.js';

const N = 60;

describe('a foreground daemon writes its log in batches', () => {
  const h = new TestHome();
  after(() => h.cleanup());
  test(`up of ${N} programs: each job's lines in order, the summary and the table where they were`, async () => {
    let yaml = 'programs:\n';
    for (let i = 0; i < N; i++) yaml += `  p${i}:\n    command: sleep 4711\n    ready: 0\n`;
    const file = h.write('fg.yaml', yaml);
    const d = spawn(process.execPath, [CLI, 'daemon', file], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    d.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    d.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const exited = new Promise<number | null>((r) => d.once('exit', (code) => r(code)));
    try {
      // The status table (its header, NAME ... COMMAND) comes once no job is starting.
      await waitFor('the status table', () => /^NAME +JOB +PID +STATE\b/m.test(out), 20_000);
    } finally {
      d.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<never>((_, fail) => setTimeout(() => fail(new Error('the daemon did not exit within 30 s of SIGTERM')), 30_000).unref())]);
    assert.equal(code, 0, err);
    const lines = out.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const summary = at(/^\+ p0 \(added, started\)$/);
    const table = at(/^NAME +JOB +PID +STATE\b/);
    assert.ok(summary > 0 && table > summary, `the up summary, then the status table:\n${out}`);
    for (let i = 0; i < N; i++) {
      const starting = at(new RegExp(` p${i} %\\d+: stopped -> starting$`));
      const running = at(new RegExp(` p${i} %\\d+: starting -> running \\(pid \\d+\\)$`));
      assert.ok(starting >= 0 && starting < summary, `p${i}: its start is logged before the up summary:\n${out}`);
      assert.ok(running > summary && running < table, `p${i}: starting -> running between the summary and the table:\n${out}`);
    }
    // Every line is whole: a timestamped log line, a summary line, the table, or blank.
    for (const l of lines) assert.match(l, /^(\d{4}-\d\d-\d\dT[\d:.]+Z .+|[+~=-] \S+ \(.*\)|NAME .*|p\d+ +%\d+ .*|)$/, `a whole line: ${JSON.stringify(l)}`);
    assert.match(lines.filter(Boolean).at(-1) ?? '', / daemon stopped$/, 'the last line is written before the daemon exits');
  });
});

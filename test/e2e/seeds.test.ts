// Every example of the seeds that appinit can run (examples/seeds), run through appinit as a
// user would: a copy of the directory in a temporary home, so the repository is never written.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CLI, TestHome, waitFor } from './harness.js';

const SEEDS = fileURLToPath(new URL('../../../examples/seeds', import.meta.url));
const exec = promisify(execFile);

describe('examples/seeds', () => {
  const h = new TestHome('appinit-seeds-');
  const dir = join(h.home, 'seeds');
  const ended = (names: string[]) => waitFor(`${names.join(', ')} ended`, async () => {
    const s = (await h.status()).filter((j) => names.includes(j.name));
    return s.length === names.length && s.every((j) => j.state === 'exited') ? s : null;
  });
  before(async () => {
    cpSync(SEEDS, dir, { recursive: true });
    assert.equal((await h.cli(['status'])).code, 0);
  });
  after(() => h.cleanup());

  test('003: the article\'s control file, run as the article\'s program (daemon --once)', async () => {
    const r = await h.cli(['daemon', '--once', join(dir, 'appinit.tab')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const pids = lines.filter((l) => l.startsWith('Process ')).map((l) => /\d+/.exec(l)![0]);
    assert.deepEqual(lines.filter((l) => l.startsWith('Process ')), pids.map((p) => `Process ${p} running on /dev/null.`));
    assert.equal(pids.length, 3, r.stdout);
    assert.deepEqual(lines.filter((l) => !l.startsWith('Process ')).sort(), [
      `/dev/null: Process ${pids[0]} terminated with exit(0).`,
      `/dev/null: Process ${pids[1]} terminated with exit(3).`,
      `/dev/null: Process ${pids[2]} terminated due to signal 11.`,
      'All child processes terminated.',
    ].sort());
    assert.equal(lines.at(-1), 'All child processes terminated.');
  });

  test('002: execl of an interpreter file: the kernel runs "./echoarg foo ./testinterp myarg1 \'MY ARG2\'"', async () => {
    const up = await h.cli(['up', join(dir, 'interpreter', 'interpreter.yaml')]);
    assert.equal(up.code, 0, up.stderr);
    const [j] = await ended(['testinterp']);
    assert.equal(j.lastExit?.text, 'exit(0)');
    const out = await waitFor('five argv lines in the log', async () => {
      const l = (await h.cli(['logs', 'testinterp'])).stdout.trimEnd().split('\n').filter((x) => /argv\[/.test(x));
      return l.length === 5 ? l : null;
    });
    assert.deepEqual(out.map((l) => l.slice(l.indexOf('argv['))), [
      'argv[0]: ./echoarg', 'argv[1]: foo', 'argv[2]: ./testinterp', 'argv[3]: myarg1', 'argv[4]: MY ARG2',
    ]);
  });

  test('002: the system() calls end as pr_exit reports them: exit 0, 127, 44', async () => {
    const up = await h.cli(['up', join(dir, 'system.yaml')]);
    assert.equal(up.code, 0, up.stderr);
    const s = await ended(['date', 'nosuchcommand', 'who']);
    assert.deepEqual(Object.fromEntries(s.map((j) => [j.name, j.lastExit?.code])), { date: 0, nosuchcommand: 127, who: 44 });
    // "Execute the command-line argument using system": the shell's status is run's.
    assert.equal((await h.cli(['run', '--', 'sh', '-c', 'who; exit 44'])).code, 44);
    assert.equal((await h.cli(['run', '--', 'sh', '-c', 'nosuchcommand'])).code, 127);
  });

  test('002: the redirection table: >, >>, <, 2>, 2>>, > file 2>&1', async () => {
    const up = await h.cli(['up', join(dir, 'redirect', 'redirect.yaml')]);
    assert.equal(up.code, 0, up.stderr);
    const names = ['ls', 'hello', 'wc', 'errors', 'errappend', 'both'];
    await ended(names);
    const out = (f: string) => readFileSync(join(dir, 'redirect', 'out', f), 'utf8');
    assert.equal(out('my_files'), 'bar\ndino\nfoo\nfred\n');
    assert.equal(out('count'), '4\n');
    assert.match(out('errors'), /nosuchfile/);
    assert.equal(out('both'), 'to stdout\nto stderr\n');
    assert.equal(out('hello'), 'Hello World!\n');
    // Run again: > overwrites, >> and 2>> append.
    assert.equal((await h.cli(['start', 'hello', 'errappend', 'ls'])).code, 0);
    await waitFor('hello appended twice', () => out('hello') === 'Hello World!\nHello World!\n');
    await waitFor('errors appended twice', () => out('errors_appended').split('\n').filter((l) => /nosuchfile/.test(l)).length === 2);
    await ended(names);
    assert.equal(out('my_files'), 'bar\ndino\nfoo\nfred\n');
  });

  test('000: the crontab examples install; the six-field line is refused at its sixth field; the table\'s times', async () => {
    const ok = await h.cli(['crontab', join(dir, 'crontab')]);
    assert.equal(ok.code, 0, ok.stderr);
    const six = await h.cli(['crontab', join(dir, 'crontab-six-fields')]);
    assert.equal(six.code, 1);
    assert.match(six.stderr, /crontab-six-fields:3:13: bad command: "\*" is one field too many: cron has five time fields/);
    assert.match((await h.cli(['crontab', '-l'])).stdout, /^15 14 1 \* \* \$HOME\/bin\/monthly$/m, 'the installed crontab is unchanged');
    const next = async (expr: string, n: number, from: string) => (await h.cli(['cron', 'next', expr, '-n', String(n), '--from', from, '--tz', 'UTC'])).stdout.trim().split('\n');
    assert.deepEqual(await next('45 0 5 1,6,12 *', 3, '2026-01-01 00:00'), ['2026-01-05T00:45:00+00:00', '2026-06-05T00:45:00+00:00', '2026-12-05T00:45:00+00:00']);
    assert.deepEqual(await next('0 18 * 10 1-5', 2, '2026-10-01 00:00'), ['2026-10-01T18:00:00+00:00', '2026-10-02T18:00:00+00:00']);
    assert.deepEqual(await next('0 0 1,10,15 * *', 3, '2026-03-01 12:00'), ['2026-03-10T00:00:00+00:00', '2026-03-15T00:00:00+00:00', '2026-04-01T00:00:00+00:00']);
    assert.deepEqual(await next('5,10 0 10 * 1', 5, '2026-03-01 00:00'), ['2026-03-02T00:05:00+00:00', '2026-03-02T00:10:00+00:00', '2026-03-09T00:05:00+00:00', '2026-03-09T00:10:00+00:00', '2026-03-10T00:05:00+00:00']);
    assert.deepEqual(await next('23 0-23/2 * * *', 3, '2026-03-01 00:00'), ['2026-03-01T00:23:00+00:00', '2026-03-01T02:23:00+00:00', '2026-03-01T04:23:00+00:00']);
    assert.equal((await h.cli(['crontab', '-r'])).code, 0);
  });

  test('000: the at examples: the seed\'s times, and the hello job run now', async () => {
    const resolve = async (...spec: string[]) => h.cli(['at', '--resolve', ...spec, '--from', '2026-03-01 09:00', '--tz', 'UTC']);
    assert.equal((await resolve('11.15', 'AM')).stdout.trim(), '2026-03-01T11:15:00+00:00');
    assert.equal((await resolve('11', 'am', 'may', '20')).stdout.trim(), '2026-05-20T11:00:00+00:00');
    const past = await resolve('10am', 'mar', '31', '2015');
    assert.equal(past.code, 1);
    assert.match(past.stderr, /in the past/);
    // The job writes $HOME/log.txt: HOME is the test's home, as at keeps the caller's environment.
    const env = { ...h.env, HOME: h.home };
    const q = await exec(process.execPath, [CLI, 'at', '-f', join(dir, 'at', 'hello.at'), 'now'], { env });
    assert.match(q.stderr, /^job \d+ at /m);
    await waitFor('the at job wrote $HOME/log.txt', () => { try { return readFileSync(join(h.home, 'log.txt'), 'utf8') === 'Hello World\n'; } catch { return false; } }, 20_000);
  });

  test('002: the accounting example (a parent and four children), each end recorded with its own status', async () => {
    const r = await h.cli(['up', join(dir, 'accounting', 'accounting.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the parent and its four children ended and were recorded', async () => {
      const recs = (await (await h.api()).acct({ program: 'acct-seed' })).filter((x) => x.comm === 'acct-seed' || x.comm === 'dd');
      return recs.length >= 5 ? recs : null;
    }, 30_000);
    const recs = (await (await h.api()).acct({ program: 'acct-seed' })).filter((x) => x.comm === 'acct-seed' || x.comm === 'dd');
    const ends = recs.map((x) => (x.signal != null ? `signal ${x.signal}` : `exit ${x.exitCode}`)).sort();
    // parent exit 2, child 1 abort (6), dd exit 0, child 3 exit 0, child 4 SIGKILL (9).
    assert.deepEqual(ends, ['exit 0', 'exit 0', 'exit 2', 'signal 6', 'signal 9'].sort(), JSON.stringify(recs));
  });
});

// The seed article's appinit (003, Figure 3): the classic `tty command` table run once,
// `daemon --once` printing the article's lines, `status --aps`, and terminal lines that are
// real pseudo-terminals standing in for tty1 and tty2.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, statField, TestHome } from './harness.js';
import { Pty } from './pty.js';
import { TtyLines } from './ttylines.js';

describe('daemon --once: the article\'s appinit on two terminal lines', () => {
  const h = new TestHome();
  let lines: TtyLines | null = null;
  let term: Pty | null = null;
  after(async () => {
    await term?.close().catch(() => undefined);
    await lines?.close().catch(() => undefined);
    await h.cleanup();
  });

  test('each line runs once on its terminal, with appinit\'s terminal settings; Figure 3\'s lines; exit 0', async () => {
    lines = await TtyLines.open(2);
    const [tty1, tty2] = lines.paths;
    const file = h.write('appinit.tab', [
      '# tty command',
      `${tty1} sh -c 'ps -o tty= -p $$; stty -g; read line; echo "got $line"; exit 5'`,
      `${tty2.replace('/dev/', '')} sh -c 'echo $$; kill -STOP $$; exit 0'`,
      `null sh -c 'ulimit -c unlimited; kill -SEGV $$'`,
      `/dev/null sh -c 'ulimit -c 0; kill -SEGV $$'`,
      '',
    ].join('\n'));
    // appinit's own terminal, with a setting a fresh terminal does not have (intr is ^G).
    term = await Pty.spawn(['sh', '-c', `stty intr ^G; stty -g; exec "${process.execPath}" "${CLI}" daemon --once ${file}`], { ...h.env, TERM: 'xterm' });
    const mine = (await term.expect(/[0-9a-f]+(?::[0-9a-f]+){20,}\r?\n/, 'appinit\'s terminal settings (stty -g)')).trim();

    // tty1: its controlling terminal is the line, its settings are appinit's, stdin is the line.
    const [, ctty, settings] = await lines.expect(0, /(pts\/\d+)\s*\r\n([0-9a-f:]+)\r\n/, 'ps\'s TTY and stty -g on tty1');
    assert.equal(`/dev/${ctty}`, tty1, 'tty1 is the job\'s controlling terminal');
    assert.equal(settings, mine, 'tty1 has appinit\'s terminal settings (TCSETAF)');
    assert.match(settings, /:7:/, 'intr ^G (7) came along');
    await lines.send(0, 'hi\r');
    await lines.expect(0, /got hi/, 'what was typed on tty1 reached the job');
    // tty2's process stops itself; continued from outside, it ends.
    const p2 = Number((await lines.expect(1, /(\d+)\r\n/, 'tty2\'s pid'))[1]);
    // Continued only once appinit has seen the stop: a stop not yet collected by wait is lost.
    const first = await term.expect(/[\s\S]*? stopped due to signal 19\.\r\n/, 'the stop of tty2\'s process');
    assert.equal(statField(p2, 3), 'T');
    process.kill(p2, 'SIGCONT');

    const last = await term.expect(/[\s\S]*All child processes terminated\.\r\n/, 'the last line');
    const out = (first + last).split('\r\n').filter((l) => l !== '');
    assert.equal(await term.wait(), 0, 'appinit --once exits 0');
    const pids = out.filter((l) => l.startsWith('Process ')).map((l) => Number(/\d+/.exec(l)![0]));
    assert.deepEqual(out.filter((l) => l.startsWith('Process ')), [
      `Process ${pids[0]} running on ${tty1}.`, `Process ${p2} running on ${tty2}.`,
      `Process ${pids[2]} running on /dev/null.`, `Process ${pids[3]} running on /dev/null.`,
    ], out.join('\n'));
    const ends = out.filter((l) => !l.startsWith('Process '));
    assert.deepEqual([...ends].sort(), [
      `${tty1}: Process ${pids[0]} terminated with exit(5).`,
      `${tty2}: Process ${p2} stopped due to signal 19.`,
      `${tty2}: Process ${p2} terminated with exit(0).`,
      `/dev/null: Process ${pids[2]} terminated due to signal 11. A core image was produced.`,
      // With a core limit of 0 nothing is dumped, and the line says nothing about a core.
      `/dev/null: Process ${pids[3]} terminated due to signal 11.`,
      'All child processes terminated.',
    ].sort(), out.join('\n'));
    assert.ok(ends.indexOf(`${tty2}: Process ${p2} stopped due to signal 19.`) < ends.indexOf(`${tty2}: Process ${p2} terminated with exit(0).`));
    assert.equal(ends.at(-1), 'All child processes terminated.');
  });
});

describe('the classic table under the daemon: once by default, "+" respawns, status --aps', () => {
  const h = new TestHome();
  let lines: TtyLines | null = null;
  after(async () => {
    await lines?.close().catch(() => undefined);
    await h.cleanup();
  });

  test('a line that exits 0 is not run again; a "+" line is; aps and TTY columns; the article\'s lines in the log', async () => {
    lines = await TtyLines.open(1);
    const [tty1] = lines.paths;
    const file = h.write('appinit.tab', `${tty1} sh -c 'echo on the line; exec sleep 1000'\nnull echo hello\n+null sleep 1000\n`);
    const up = await h.cli(['up', file]);
    assert.equal(up.code, 0, up.stderr);
    await lines.expect(0, /on the line/, 'the job\'s output on its terminal');
    const echo = await h.waitJob('echo', 'exited', (j) => j.state === 'exited');
    assert.equal(echo.restarts, 0);
    assert.equal(echo.lastExit?.text, 'exit(0)');
    const sleeper = await h.waitJob('sleep', 'running', (j) => j.state === 'running' && j.pid != null);
    const onLine = await h.waitJob('sh', 'running', (j) => j.state === 'running' && j.pid != null);

    const aps = (await h.cli(['status', '--aps'])).stdout;
    const t1 = tty1.slice('/dev/'.length);
    assert.equal(aps, [
      'TTY    COMMAND                     PID',
      `${t1.padEnd(6)} ${"sh -c 'echo on the line; exec sleep 1000'".padEnd(25)} ${String(onLine.pid).padStart(5)}`,
      `null   ${'echo hello'.padEnd(25)}<terminated>`,
      `null   ${'sleep 1000'.padEnd(25)} ${String(sleeper.pid).padStart(5)}`,
      '',
    ].join('\n'));
    const status = (await h.cli(['status'])).stdout.split('\n');
    assert.match(status[0], /^NAME +JOB +PID +TTY +STATE/, status.join('\n'));
    assert.match(status.find((l) => l.startsWith('sh '))!, new RegExp(` ${onLine.pid}  ${t1.replace('/', '\\/')} +running`));

    // "+" respawns: killed, it comes back with another pid; the once line stays exited.
    process.kill(sleeper.pid!, 'SIGKILL');
    await h.waitJob('sleep', 'respawned', (j) => j.state === 'running' && j.pid != null && j.pid !== sleeper.pid);
    assert.equal((await h.status()).find((j) => j.name === 'echo')?.state, 'exited');

    const log = readFileSync(join(h.home, 'daemon.log'), 'utf8');
    assert.match(log, /Process \d+ running on \/dev\/null\.\n/);
    assert.match(log, /\/dev\/null: Process \d+ terminated with exit\(0\)\.\n/);
    assert.match(log, new RegExp(`/dev/null: Process ${sleeper.pid} terminated due to signal 9\\.\\n`));
    assert.match(log, new RegExp(`Process ${onLine.pid} running on ${tty1}\\.\\n`));
  });

  test('a character device that is no terminal (/dev/zero) fails at start, saying so', async () => {
    const r = await h.cli(['up', h.write('zero.tab', '/dev/zero echo hi\n')]);
    assert.equal(r.code, 0, r.stderr);
    const j = await h.waitJob('echo', 'exited', (x) => x.state === 'exited');
    assert.equal(j.lastExit?.code, 127);
    assert.match(j.reason ?? '', /^tty: Inappropriate ioctl for device/);
    assert.match((await h.cli(['status'])).stdout, /^echo: tty: Inappropriate ioctl for device/m);
  });

  test('a regular file in the tty field is refused at file:line:col; the file and the jobs are untouched', async () => {
    const victim = h.write('victim.txt', 'precious\n');
    const before = (await h.status()).map((j) => `${j.name}:${j.pid}`);
    const bad = h.write('bad.tab', `null echo fine\n  ${victim} echo overwritten\n`);
    const r = await h.cli(['up', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`bad\\.tab:2:3: ${victim.replace(/[.]/g, '\\.')} is a regular file, not a terminal`));
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.deepEqual((await h.status()).map((j) => `${j.name}:${j.pid}`), before);
  });
});

describe('daemon --once: --aps, and a control file with an error', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('--aps prints the article\'s table before each wait; the last one has every process <terminated>', async () => {
    const file = h.write('aps.tab', `null sh -c 'exit 2'\nnull sleep 0.3\n`);
    const r = await h.cli(['daemon', '--once', '--aps', file]);
    assert.equal(r.code, 0, r.stderr);
    const tables = r.stdout.split('\n\n').filter((b) => b.startsWith('TTY    COMMAND                     PID'));
    assert.ok(tables.length >= 2, r.stdout);
    const pids = [...r.stdout.matchAll(/^Process (\d+) running on \/dev\/null\.$/gm)].map((m) => Number(m[1]));
    assert.equal(pids.length, 2, r.stdout);
    assert.equal(tables.at(-1), [
      'TTY    COMMAND                     PID',
      `null   ${"sh -c 'exit 2'".padEnd(25)}<terminated>`,
      `null   ${'sleep 0.3'.padEnd(25)}<terminated>`,
    ].join('\n'));
    assert.match(r.stdout, new RegExp(`^null   sleep 0\\.3                 ${String(pids[1]).padStart(5)}$`, 'm'), 'sleep is shown with its pid while it runs');
    assert.ok(r.stdout.trimEnd().endsWith('All child processes terminated.'));
  });

  test('an error in the file: file:line:col, exit 1, nothing started and nothing left behind', async () => {
    const victim = h.write('victim', 'keep\n');
    const file = h.write('bad.tab', `null echo should not run\n${victim} echo hi\n`);
    const r = await h.cli(['daemon', '--once', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /bad\.tab:2:1: .* is a regular file, not a terminal/);
    assert.equal(readFileSync(victim, 'utf8'), 'keep\n');
    assert.deepEqual(readdirSync(h.home).filter((f) => f.startsWith('once-')), []);
  });
});

// `appinit acct --pacct FILE` writes the kernel's acct_v3 format: Debian's own readers
// (dump-acct, lastcomm -f, sa from the acct package) read it and show what appinit shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AcctRecord } from '../../src/store/records.js';
import { CLI, TestHome, waitFor } from '../e2e/harness.js';

const ticks = (s: number) => Math.floor(s * 100 + 1e-6);
// dump-acct and lastcomm print the core flag as D (C is the VAX compatibility flag).
const toolFlags = (flags: string) => ['F', 'S', 'D', 'X'].filter((l) => flags.includes(l)).join('');

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '', `${cmd} complained: ${r.stderr}`);
  return r.stdout;
}

describe('acct --pacct writes a file the acct tools read', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('dump-acct, lastcomm -f and sa show the records appinit printed', async (t) => {
    if (spawnSync('dump-acct', ['--version']).error) return t.skip('acct not installed (scripts/install-oracles.sh installs it)');
    await h.up(`programs:
  hello:
    command: sh -c 'date; sleep 0.2; exit 3'
    restart: never
  abrt:
    command: sh -c 'kill -ABRT $$'
    restart: never
  burn:
    command: sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
    restart: never
`);
    for (const p of ['hello', 'abrt', 'burn']) await h.waitJob(p, 'exited', (j) => j.state === 'exited', 20_000);
    const c = await h.api();
    const info = await c.info();
    // With kernel records, `date` and `sleep` (reaped by sh) have records too.
    if (info.acct === 'taskstats') await waitFor('records of date and sleep', async () => (await c.acct({ program: 'hello' })).length >= 3);
    const file = join(h.home, 'pacct');
    const w = await h.cli(['acct', '--pacct', file]);
    assert.equal(w.code, 0, w.stderr);
    const recs = JSON.parse((await h.cli(['acct', '--json'])).stdout) as AcctRecord[];
    assert.match(w.stdout, new RegExp(`wrote ${recs.length} records to `));
    assert.ok(recs.length >= 3);

    // dump-acct: one line per record, in order, field by field.
    const dump = run('dump-acct', [file]).trim().split('\n').map((l) => l.split('|').map((x) => x.trim()));
    assert.equal(dump.length, recs.length, 'dump-acct shows every record');
    dump.forEach((f, i) => {
      const r = recs[i];
      const what = `record ${i} (${r.comm} ${r.pid})`;
      assert.equal(f[0], r.comm.slice(0, 15), `${what}: command`);
      assert.equal(f[1], 'v3', `${what}: version`);
      assert.equal(Number(f[2]), ticks(r.utime), `${what}: user ticks`);
      assert.equal(Number(f[3]), ticks(r.stime), `${what}: system ticks`);
      assert.equal(Number(f[4]), ticks(r.elapsed ?? r.end - (r.start ?? r.end)), `${what}: elapsed ticks`);
      assert.equal(Number(f[5]), r.uid, `${what}: uid`);
      assert.equal(Number(f[6]), r.gid, `${what}: gid`);
      assert.equal(Number(f[9]), r.pid, `${what}: pid`);
      assert.equal(Number(f[10]), r.ppid, `${what}: ppid`);
      assert.equal(f[11], toolFlags(r.flags), `${what}: flags`);
      assert.equal(Number(f[12]), r.exitCode ?? 0, `${what}: exit (dump-acct shows WEXITSTATUS)`);
    });
    assert.ok(dump.some((f) => f[11].includes('D') && f[11].includes('X')), 'the aborted sh shows the core and signal flags');

    // lastcomm: newest first; command, flags, user, CPU seconds.
    const lc = run('lastcomm', ['-f', file]).trim().split('\n').reverse();
    assert.equal(lc.length, recs.length, 'lastcomm shows every record');
    lc.forEach((line, i) => {
      const r = recs[i];
      const m = /^(\S+)\s+(.*?)\s+([\d.]+) secs /.exec(line);
      assert.ok(m, `lastcomm line: ${line}`);
      const mid = m[2].trim().split(/\s+/); // [flags?] user tty
      assert.equal(m[1], r.comm.slice(0, 15), `lastcomm command of record ${i}`);
      assert.equal(mid.length === 3 ? mid[0] : '', toolFlags(r.flags), `lastcomm flags of ${r.comm} ${r.pid}`);
      assert.equal(mid.at(-2), 'root', `lastcomm user of ${r.comm}`);
      assert.equal(Number(m[3]), (ticks(r.utime) + ticks(r.stime)) / 100, `lastcomm CPU of ${r.comm} ${r.pid}`);
    });

    // sa -a: the calls per command (a * marks one that forked without exec) and in total.
    const sa = run('sa', ['-a', file]).trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.equal(Number(sa[0][0]), recs.length, 'sa counts every record');
    const perCommand = new Map<string, number>();
    for (const r of recs) perCommand.set(r.comm, (perCommand.get(r.comm) ?? 0) + 1);
    const saCalls = new Map<string, number>();
    for (const f of sa.slice(1)) {
      const name = f.at(-1)!.replace(/\*$/, '');
      saCalls.set(name, (saCalls.get(name) ?? 0) + Number(f[0]));
    }
    assert.deepEqual(Object.fromEntries([...saCalls].sort()), Object.fromEntries([...perCommand].sort()), 'sa -a calls per command');
  });

  test('--pacct writes through what is not a plain file, as > does: - is stdout, a symlink its target, a FIFO its reader', async () => {
    await h.up('programs:\n  once:\n    command: "true"\n    restart: never\n');
    await h.waitJob('once', 'exited', (j) => j.state === 'exited', 20_000);
    const plain = join(h.home, 'plain.pacct');
    assert.equal((await h.cli(['acct', '--pacct', plain])).code, 0);
    const bytes = readFileSync(plain);
    assert.ok(bytes.length > 0 && bytes.length % 64 === 0, 'acct_v3 records are 64 bytes each');
    // -: the records on stdout, the count on stderr
    const dash = spawnSync(process.execPath, [CLI, 'acct', '--pacct', '-'], { env: h.env });
    assert.equal(dash.status, 0, String(dash.stderr));
    assert.deepEqual(dash.stdout, bytes);
    assert.match(String(dash.stderr), /wrote \d+ records? to standard output/);
    assert.equal(existsSync(join(h.home, '-')), false, 'no file named -');
    // a symlink: its target is written, the link stays a link
    const target = join(h.home, 'target.pacct');
    const link = join(h.home, 'link.pacct');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    assert.equal((await h.cli(['acct', '--pacct', link])).code, 0);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.deepEqual(readFileSync(target), bytes);
    // a FIFO: its reader gets the records, the FIFO stays a FIFO
    const fifo = join(h.home, 'pacct.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = spawnSync('bash', ['-c', `cat ${fifo} > ${fifo}.got & node ${CLI} acct --pacct ${fifo}; wait`], { env: h.env, encoding: 'utf8' });
    assert.equal(reader.status, 0, reader.stderr);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
    assert.deepEqual(readFileSync(`${fifo}.got`), bytes);
  });

  test('a file that cannot be written is a clear error and leaves nothing', async () => {
    const bad = join(h.home, 'no-such-dir', 'pacct');
    const r = await h.cli(['acct', '--pacct', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /acct: --pacct: cannot write .*no-such-dir\/pacct: ENOENT/);
    assert.equal(existsSync(join(h.home, 'no-such-dir')), false);
    rmSync(bad, { force: true });
  });
});

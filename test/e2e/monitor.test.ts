// Monitoring end to end: a real daemon and real processes, compared with procps where the
// columns are defined the same. Sampling runs every 200 ms here (APPINIT_SAMPLE_MS).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, statField, TestHome, waitFor, type CliResult } from './harness.js';

process.env.APPINIT_SAMPLE_MS = '200';

const hasPs = spawnSync('ps', ['--version'], { encoding: 'utf8' }).status === 0;
const hasTop = spawnSync('top', ['-v'], { encoding: 'utf8' }).error === undefined;

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// `acct` with every option, through the real CLI.
function acctCli(h: TestHome, args: string[]): Promise<CliResult> {
  return h.cli(args);
}

describe('ps, pstree, top, stat on a real daemon', () => {
  const h = new TestHome('appinit-monitor-');
  const pid: Record<string, number> = {};
  const job: Record<string, number> = {};
  let zombie = 0;
  let orphan = 0;
  let lostOrphan = 0;
  after(async () => {
    await h.cleanup();
    // The orphans are in no session the harness saw a job lead: end them here, whatever happened.
    for (const p of [orphan, lostOrphan]) {
      try { if (p) process.kill(p, 'SIGKILL'); } catch { /* gone, as it should be */ }
    }
  });

  before(async () => {
    const lostFile = h.write('lost.pid', '');
    await h.up(`programs:
  svc:
    command: sleep 1000
  zomb:
    command: sh -c 'sleep 0.1 & exec sleep 1000'
  orph:
    command: sh -c 'sh -c "sleep 1001 &"; exec sleep 1002'
  lost:
    command: sh -c 'sleep 1003 & echo $! > ${lostFile}; exit 0'
    restart: never
`);
    for (const name of ['svc', 'zomb', 'orph']) {
      const j = await h.waitJob(name, 'running', (j) => j.state === 'running' && j.pid != null);
      pid[name] = j.pid as number;
      job[name] = j.job;
    }
    job.lost = (await h.waitJob('lost', 'exited', (j) => j.state === 'exited')).job;
    lostOrphan = await waitFor('the lost orphan pid', () => Number(readFileSync(lostFile, 'utf8')) || 0);
    // Both sh have exec'd sleep; zomb's `sleep 0.1` is a zombie nobody waits for.
    zombie = await waitFor('the zombie', () => childrenOf(pid.zomb as number).find((c) => statField(c, 3) === 'Z') ?? 0);
    orphan = await waitFor('the orphan of orph reparented to the helper', () =>
      childrenOf(h.helperPid()).find((c) => c !== pid.orph && Number(statField(c, 6)) === pid.orph && statField(c, 3) !== 'Z') ?? 0);
    await waitFor('every leader has exec\'d sleep', () => ['svc', 'zomb', 'orph'].every((n) => readFileSync(`/proc/${pid[n]}/comm`, 'utf8').trim() === 'sleep'));
  });

  test('ps lists the jobs\' processes with a JOB column, the same values as procps for the same pids', { skip: !hasPs }, async () => {
    const cols = ['pid', 'ppid', 'pgid', 'sid', 'stat', 'tty', 'time', 'comm'];
    const r = await h.cli(['ps', '-o', cols.join(',')]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] as string, /^ +PID +PPID +PGID +SID STAT TT +TIME JOB COMMAND$/);
    const rows = lines.slice(1).map((l) => l.trim().split(/\s+/));
    const byPid = new Map(rows.map((t) => [Number(t[0]), t]));
    for (const [name, p] of Object.entries(pid)) assert.equal(byPid.get(p)?.[7], `%${job[name]}`, `${name}'s leader is marked %${job[name]}`);
    assert.equal(byPid.get(zombie)?.[7], `%${job.zomb}`, 'the zombie child belongs to zomb (found by ppid)');
    assert.equal(byPid.get(orphan)?.[7], `%${job.orph}`, 'the orphan belongs to orph');
    assert.equal(byPid.get(lostOrphan)?.[7], `%${job.lost}`, 'the adopted orphan of an ended leader still belongs to its job');
    assert.ok(!byPid.has(h.helperPid()) && !byPid.has(h.daemonPid()), 'neither the helper nor the daemon is a job');
    // procps for the same pids: every column but JOB must be equal.
    const pids = rows.map((t) => t[0]).join(',');
    const real = spawnSync('ps', ['-o', cols.join(','), '-p', pids], { encoding: 'utf8' }).stdout.trimEnd().split('\n');
    assert.equal(real.length, lines.length, `same processes\nours:\n${r.stdout}\nps:\n${real.join('\n')}`);
    assert.equal(real[0], (lines[0] as string).replace(/ JOB /, ' '));
    for (let i = 1; i < real.length; i++) {
      const ours = [...(rows[i - 1] as string[])];
      ours.splice(7, 1);
      assert.deepEqual(ours, (real[i] as string).trim().split(/\s+/), `row ${i}\nours: ${lines[i]}\nps:   ${real[i]}`);
    }
  });

  test('headerless ps (-o pid=, --no-headers) has exactly the columns asked for, as procps: no JOB column', { skip: !hasPs }, async () => {
    const r = await h.cli(['ps', '-o', 'pid=', '-p', String(pid.svc)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, spawnSync('ps', ['-o', 'pid=', '-p', String(pid.svc)], { encoding: 'utf8' }).stdout);
    const n = await h.cli(['ps', '--no-headers', '-o', 'pid,comm']);
    const rows = n.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/));
    assert.ok(rows.some((t) => Number(t[0]) === pid.svc), `svc's leader is listed:\n${n.stdout}`);
    for (const t of rows) assert.equal(t.length, 2, `two columns, no JOB: ${t.join(' ')}`);
  });

  test('ps, ps -f and ps -l agree with procps but for the JOB column; the zombie is <defunct>', { skip: !hasPs }, async () => {
    for (const [args, jobAt, pidAt] of [[[], 3, 0], [['-f'], 7, 1], [['-lf'], 14, 3]] as [string[], number, number][]) {
      const r = await h.cli(['ps', ...args]);
      assert.equal(r.code, 0, r.stderr);
      const ours = r.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/));
      const pids = ours.slice(1).map((t) => t[pidAt]).join(',');
      const real = spawnSync('ps', [...args, '-p', pids], { encoding: 'utf8' }).stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s+/));
      assert.equal(ours.length, real.length);
      for (let i = 0; i < ours.length; i++) {
        const o = [...(ours[i] as string[])];
        const label = o.splice(jobAt, 1)[0] as string;
        assert.match(label, i === 0 ? /^JOB$/ : /^%\d+$/, `JOB column of ${args.join(' ') || 'ps'} row ${i}`);
        assert.deepEqual(o, real[i], `${args.join(' ') || 'ps'} row ${i}`);
      }
    }
    const f = await h.cli(['ps', '-f']);
    assert.match(f.stdout, new RegExp(`${zombie} .*\\[sleep\\] <defunct>`));
    const json = JSON.parse((await h.cli(['ps', '--json'])).stdout) as { pid: number; job?: number }[];
    assert.equal(json.find((p) => p.pid === pid.svc)?.job, job.svc);
  });

  test('ps -p, -C and --ppid select as procps does (any process, their union); none found: the header and exit 1', { skip: !hasPs }, async () => {
    const pick = async (args: string[]) => {
      const r = await h.cli(['ps', ...args, '-o', 'pid']);
      return { code: r.code, pids: r.stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort((a, b) => a - b), err: r.stderr };
    };
    const procps = (args: string[]) => spawnSync('ps', [...args, '-o', 'pid='], { encoding: 'utf8' }).stdout.trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
    const both = `${pid.svc},${h.daemonPid()}`;
    assert.deepEqual(await pick(['-p', both]), { code: 0, pids: procps(['-p', both]), err: '' }, 'a job\'s leader and the daemon (no job)');
    assert.deepEqual((await pick(['--ppid', String(pid.zomb)])).pids, procps(['--ppid', String(pid.zomb)]), 'the zombie, by its parent');
    const c = await pick(['-C', 'appinit-supervi', '-p', '1']);
    assert.deepEqual(c.pids, procps(['-C', 'appinit-supervi', '-p', '1']), 'a name or a pid: the union');
    assert.ok(c.pids.includes(h.helperPid()) && c.pids.includes(1));
    const none = await h.cli(['ps', '-p', '999999999']);
    assert.deepEqual([none.code, none.stdout], [1, '  PID TTY          TIME JOB CMD\n']);
    const noneJson = await h.cli(['ps', '-p', '999999999', '--json']);
    assert.deepEqual([noneJson.code, JSON.parse(noneJson.stdout)], [1, []], '--json: [] and the same status');
    const bad = await h.cli(['ps', '-p', '12x']);
    assert.deepEqual([bad.code, bad.stderr], [2, 'appinit: ps: -p: expected process ids like 1234,1240, got "12x"\n']);
  });

  // As root, a process whose effective user is nobody and one whose real user only is: -u and -U
  // tell them apart as procps does, by name or by id; `-u` alone is still BSD u, and so is -aux.
  test('ps -u and -U select by effective and real user as procps does; -u alone and -aux stay BSD', { skip: !hasPs || process.getuid?.() !== 0 }, async () => {
    const both = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '4231'], { stdio: 'ignore' });
    const realOnly = spawn('setpriv', ['--ruid=65534', 'sleep', '4232'], { stdio: 'ignore' });
    try {
      const comm = (pid: number | undefined) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
      await waitFor('both setpriv children exec\'d sleep', () => comm(both.pid) === 'sleep' && comm(realOnly.pid) === 'sleep');
      const mine = (pids: number[]) => pids.filter((p) => p === both.pid || p === realOnly.pid).sort((a, b) => a - b);
      const ours = async (args: string[]) => {
        const r = await h.cli(['ps', ...args, '-o', 'pid']);
        assert.equal(r.code, 0, r.stderr);
        return mine(r.stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])));
      };
      const procps = (args: string[]) => mine(spawnSync('ps', [...args, '-o', 'pid='], { encoding: 'utf8' }).stdout.trim().split(/\s+/).map(Number));
      for (const args of [['-u', 'nobody'], ['-u', '65534'], ['-U', 'nobody'], ['-U', '65534'], ['-u', 'root'], ['-U', 'root'], ['-u', 'root,nobody']]) {
        assert.deepEqual(await ours(args), procps(args), `ps ${args.join(' ')}`);
      }
      assert.deepEqual(await ours(['-u', 'nobody']), [both.pid], 'effective user: only the one that runs as nobody');
      assert.equal((await ours(['-U', 'nobody'])).length, 2, 'real user: both');
      const bad = await h.cli(['ps', '-u', 'no-such-user-4231']);
      assert.deepEqual([bad.code, bad.stdout], [2, '']);
      assert.match(bad.stderr, /ps: -u: no user named "no-such-user-4231"/);
      // An empty item or list is refused, as procps ("improper list"), never read as "nothing selected".
      for (const [flag, value] of [['-p', '1,'], ['-p', '1,,2'], ['-u', 'root,'], ['-C', ',sleep'], ['--ppid', ' 1']]) {
        const r = await h.cli(['ps', flag, value]);
        assert.equal(spawnSync('ps', [flag, value]).status, 1, `procps refuses ps ${flag} "${value}"`);
        assert.deepEqual([r.code, r.stdout], [2, ''], `ps ${flag} "${value}"`);
        assert.match(r.stderr, new RegExp(`ps: ${flag}: improper list`));
      }
      const empty = await h.cli(['ps', '-p', '']);
      assert.deepEqual([empty.code, empty.stdout], [2, '']);
      assert.match(empty.stderr, /ps: -p: a list of process ids must follow -p/);
      assert.match((await h.cli(['ps', '-u'])).stdout, /^USER +PID %CPU %MEM/, '-u alone: the BSD user format');
      const aux = await h.cli(['ps', '-aux']);
      assert.match(aux.stdout, /^USER +PID %CPU %MEM/, '-aux: the BSD user format');
      assert.match(aux.stdout, /\n\S+ +1 /, '-aux: every process, pid 1 included');
    } finally {
      both.kill('SIGKILL');
      realOnly.kill('SIGKILL');
    }
  });

  test('ps -e lists every process on the machine, pid 1 first, in procps\' columns', async () => {
    const r = await h.cli(['ps', '-e']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '  PID TTY          TIME CMD');
    assert.match(lines[1] as string, /^ +1 /);
    assert.ok(lines.some((l) => l.trim().startsWith(`${h.daemonPid()} `)), 'the daemon is listed');
    assert.ok(lines.some((l) => new RegExp(`^ *\\d+ .*\\[?kthreadd`).test(l)) || !readFileSync('/proc/2/comm', 'utf8').includes('kthreadd'), 'kernel threads are listed');
    if (hasPs) {
      const real = spawnSync('ps', ['-e', '-o', 'pid='], { encoding: 'utf8' }).stdout.trim().split(/\s+/).length;
      assert.ok(Math.abs(real - (lines.length - 1)) < 20, `about as many processes as ps -e (${real} vs ${lines.length - 1})`);
    }
  });

  test('ps aux, ps -aux and ps ax as procps takes BSD letters; ps u the jobs in the user format; a wrong letter is a usage error', async () => {
    for (const args of [['ps', 'aux'], ['ps', '-aux']]) {
      const r = await h.cli(args);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0] as string, /^USER +PID %CPU %MEM +VSZ +RSS TTY +STAT START +TIME COMMAND$/, `${args.join(' ')} header`);
      assert.match(lines[1] as string, /^\S+ +1 /, 'pid 1 first');
      assert.ok(lines.some((l) => new RegExp(`^\\S+ +${h.daemonPid()} `).test(l)), `${args.join(' ')}: the daemon is listed`);
    }
    const ax = await h.cli(['ps', 'ax']);
    assert.match(ax.stdout.split('\n')[0] as string, /^ +PID TTY +STAT +TIME COMMAND$/);
    const u = await h.cli(['ps', 'u']);
    assert.match(u.stdout.split('\n')[0] as string, /^USER +PID %CPU %MEM +VSZ +RSS TTY +STAT START +TIME JOB +COMMAND$/, 'the jobs only, with their JOB column');
    assert.match(u.stdout, new RegExp(`^\\S+ +${pid.svc} .* %${job.svc} `, 'm'));
    const bad = await h.cli(['ps', 'auz']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown BSD option "z" in "auz".*a, u, x, j, f and w/);
  });

  test('ps -ef --forest, ps axjf, ps -H, --sort and COLUMNS as procps users type them', async () => {
    // The jobs' view: the orphan (a child of the helper, in orph's session) under nothing of the
    // jobs, zomb's zombie under its sleep; every row keeps its JOB.
    const forest = await h.cli(['ps', '--forest', '-o', 'pid,ppid,comm']);
    assert.equal(forest.code, 0, forest.stderr);
    assert.match(forest.stdout, new RegExp(`^ *${pid.zomb} .* %${job.zomb} +sleep\n *${zombie} +${pid.zomb} %${job.zomb} +\\\\_ sleep`, 'm'), `the zombie drawn under its parent:\n${forest.stdout}`);
    const axjf = await h.cli(['ps', 'axjf']);
    assert.equal(axjf.code, 0, axjf.stderr);
    assert.match(axjf.stdout.split('\n')[0] as string, /^ PPID +PID +PGID +SID TTY +TPGID STAT +UID +TIME COMMAND$/);
    assert.match(axjf.stdout, new RegExp(`^ *${h.helperPid()} +${pid.svc} .*\\\\_ sleep 1000$`, 'm'), 'the job under its helper, in the machine\'s forest');
    const ef = await h.cli(['ps', '-ef', '--forest']);
    assert.match(ef.stdout, new RegExp(`^\\S+ +${pid.svc} +${h.helperPid()} .* +\\\\_ sleep 1000$`, 'm'));
    const hier = await h.cli(['ps', '-H', '--no-heading', '-o', 'pid,comm']);
    assert.match(hier.stdout, new RegExp(`^ *${zombie}   sleep$`, 'm'), '-H indents a child by two spaces');
    const sorted = await h.cli(['ps', '--sort=-pid', '-o', 'pid=']);
    const listed = sorted.stdout.trim().split(/\s+/).map(Number);
    assert.deepEqual(listed, [...listed].sort((a, b) => b - a), '--sort=-pid: descending');
    const bad = await h.cli(['ps', '--sort', 'bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sort: unknown key "bogus"; expected one of pid, ppid/);
    // COLUMNS cuts even when piped, as procps; w does not.
    const cut = spawnSync(process.execPath, [CLI, 'ps', '-o', 'pid,args'], { env: { ...h.env, COLUMNS: '16' }, encoding: 'utf8' });
    // The header is never cut (procps neither); the rows are.
    assert.ok(cut.stdout.trimEnd().split('\n').slice(1).every((l) => l.length <= 16) && !/sleep 1000/.test(cut.stdout), `cut to 16:\n${cut.stdout}`);
    const wide = spawnSync(process.execPath, [CLI, 'ps', '-w', '-o', 'pid,args'], { env: { ...h.env, COLUMNS: '16' }, encoding: 'utf8' });
    assert.match(wide.stdout, /sleep 1000$/m);
  });

  test('ps --zombies names the zombie and the parent that has not waited for it', async () => {
    const r = await h.cli(['ps', '--zombies', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const z = (JSON.parse(r.stdout) as { pid: number; parent: { pid: number; comm: string } | null; job: number | null }[]).find((x) => x.pid === zombie);
    assert.deepEqual(z && { parent: z.parent, job: z.job }, { parent: { pid: pid.zomb, comm: 'sleep' }, job: job.zomb });
    const t = await h.cli(['ps', '--zombies']);
    assert.match(t.stdout, new RegExp(`^ *${zombie} +sleep <defunct> +${pid.zomb} +sleep +%${job.zomb}$`, 'm'));
    assert.match(t.stderr, /a zombie stays until its parent waits for it/, 'the advice on stderr, not in the table');
    const o = await h.cli(['ps', '--zombies', '-o', 'pid=']);
    assert.ok(o.stdout.trim().split(/\s+/).map(Number).includes(zombie), `-o is honoured: ${o.stdout}`);
    assert.doesNotMatch(o.stdout, /defunct|zombie stays/);
  });

  test('pstree marks jobs and draws adopted orphans under their job', async () => {
    const r = await h.cli(['pstree']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^appinit-supervi/, 'the helper is the root: every job is its child');
    assert.match(r.stdout, new RegExp(`sleep\\(%${job.svc}\\)`));
    assert.match(r.stdout, new RegExp(`sleep\\(%${job.orph}\\)---sleep\\(adopted\\)`), r.stdout);
    assert.match(r.stdout, new RegExp(`lost\\(%${job.lost}\\)---sleep\\(adopted\\)`), r.stdout);
    assert.equal((await h.cli(['pstree', 'orph'])).stdout, `sleep(%${job.orph})---sleep(adopted)\n`);
    assert.equal((await h.cli(['pstree', `%${job.zomb}`])).stdout, `sleep(%${job.zomb})---sleep\n`);
    // -p: the pid first, then the mark, in one pair of parentheses (as psmisc joins -p and -u).
    assert.equal((await h.cli(['pstree', '-p', `%${job.zomb}`])).stdout, `sleep(${pid.zomb},%${job.zomb})---sleep(${zombie})\n`);
    const whole = await h.cli(['pstree', '1']);
    assert.match(whole.stdout, new RegExp(`sleep\\(%${job.svc}\\)`), 'jobs are marked in the whole machine\'s tree too');
    const missing = await h.cli(['pstree', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no running job named "nosuch"/);
  });

  test('top -u USER shows that effective user\'s processes only, as procps top -u; an unknown user is a usage error', { skip: process.getuid?.() !== 0 }, async () => {
    const nobody = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '4233'], { stdio: 'ignore' });
    try {
      await waitFor('the setpriv child exec\'d sleep', () => { try { return readFileSync(`/proc/${nobody.pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } });
      const rows = (text: string) => text.split('\n').slice(7).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/));
      for (const who of ['nobody', '65534']) {
        const r = await h.cli(['top', '-b', '-n', '1', '-u', who]);
        assert.equal(r.code, 0, r.stderr);
        const shown = rows(r.stdout);
        assert.ok(shown.length >= 1 && shown.every((c) => c[1] === 'nobody'), `top -u ${who}: only nobody's rows\n${r.stdout}`);
        assert.ok(shown.some((c) => Number(c[0]) === nobody.pid), `top -u ${who}: the sleep started as nobody\n${r.stdout}`);
        const real = spawnSync('top', ['-b', '-n', '1', '-u', who], { encoding: 'utf8' });
        if (real.status === 0) assert.deepEqual(shown.map((c) => Number(c[0])).sort(), rows(real.stdout).map((c) => Number(c[0])).sort(), `the same pids as procps top -u ${who}`);
      }
      const bad = await h.cli(['top', '-b', '-n', '1', '-u', 'no-such-user-4233']);
      assert.deepEqual([bad.code, bad.stdout], [2, '']);
      assert.match(bad.stderr, /top: -u: no user named "no-such-user-4233"/);
    } finally {
      nobody.kill('SIGKILL');
    }
  });

  test('top -b -n 2 -d 0.5: two frames of summary lines and the task table, a job\'s pid among the rows', async () => {
    const t0 = Date.now();
    const r = await h.cli(['top', '-b', '-n', '2', '-d', '0.5']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 500, 'waited the delay');
    const frames = r.stdout.split(/\n(?=top - )/);
    assert.equal(frames.length, 2);
    for (const f of frames) {
      const l = f.split('\n');
      assert.match(l[0] as string, /^top - \d\d:\d\d:\d\d up .*, +\d+ users?, +load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$/);
      assert.match(l[1] as string, /^Tasks: +\d+ total, +\d+ running, +\d+ sleeping, +\d+ stopped, +\d+ zombie$/);
      assert.match(l[2] as string, /^%Cpu\(s\): *[\d.]+ us, *[\d.]+ sy, *[\d.]+ ni, *[\d.]+ id, *[\d.]+ wa, *[\d.]+ hi, *[\d.]+ si, *[\d.]+ st $/);
      assert.match(l[3] as string, /^MiB Mem : +[\d.]+ total, +[\d.]+ free, +[\d.]+ used, +[\d.]+ buff\/cache/);
      assert.match(l[4] as string, /^MiB Swap: +[\d.]+ total, +[\d.]+ free, +[\d.]+ used\. +[\d.]+ avail Mem/);
      assert.equal(l[5], '');
      assert.equal(l[6], '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND');
      assert.ok(l.some((x) => new RegExp(`^ *${pid.svc} root +20 +0 .* S +0\\.0 .* sleep$`).test(x)), `svc's pid ${pid.svc} is listed`);
    }
    if (hasTop) {
      const real = spawnSync('top', ['-b', '-n', '1'], { encoding: 'utf8' }).stdout.split('\n');
      assert.equal(real[6], frames[0]?.split('\n')[6], 'the same header as procps top');
    }
    const jobsOnly = await h.cli(['top', '-b', '-n', '1', '--jobs']);
    const rows = jobsOnly.stdout.trimEnd().split('\n').slice(7);
    assert.ok(rows.length >= 4 && rows.every((x) => / sleep$/.test(x)), `only the jobs' processes:\n${jobsOnly.stdout}`);
    // -p as procps top: only the processes named, a job's or not; with -j, those of them that are jobs'.
    const rowPids = (out: string) => out.trimEnd().split('\n').slice(7).map((x) => Number(x.trim().split(/\s+/)[0])).sort((a, b) => a - b);
    const named = await h.cli(['top', '-b', '-n', '1', '-p', `${pid.svc},1`, '-p', String(h.daemonPid())]);
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(rowPids(named.stdout), [1, pid.svc, h.daemonPid()].sort((a, b) => a - b));
    // Its Tasks line counts the processes named, as procps top -p (it counted every one).
    assert.match(named.stdout.split('\n')[1], /^Tasks: +3 total,/);
    const real = spawnSync('top', ['-b', '-n', '1', '-p', String(pid.svc)], { encoding: 'utf8' }).stdout.split('\n')[1] ?? '';
    const ours = (await h.cli(['top', '-b', '-n', '1', '-p', String(pid.svc)])).stdout.split('\n')[1];
    if (real) assert.equal(ours.replace(/\d+ (running|sleeping)/g, 'N $1'), real.replace(/\d+ (running|sleeping)/g, 'N $1'), 'procps top -p says the same total');
    assert.deepEqual(rowPids((await h.cli(['top', '-b', '-n', '1', '-j', '-p', `${pid.svc},1`])).stdout), [pid.svc]);
    const bad = await h.cli(['top', '-b', '-n', '1', '-p', 'x']);
    assert.deepEqual([bad.code, bad.stderr], [2, 'appinit: top: -p expects process ids like 1234,1240, got "x"\n']);
  });

  test('stat 0.2 2 prints the vmstat header and two lines; --io per-device reports', async () => {
    const r = await h.cli(['stat', '0.2', '2']);
    assert.equal(r.code, 0, r.stderr);
    const l = r.stdout.trimEnd().split('\n');
    assert.equal(l.length, 4, r.stdout);
    assert.match(l[0] as string, /^procs -+memory-+ ---swap-- -----io---- -system-- ------cpu-----$/);
    assert.equal(l[1], ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st');
    for (const x of l.slice(2)) assert.equal(x.trim().split(/\s+/).length, 17);
    const io = await h.cli(['stat', '--io', '0.2', '2']);
    assert.equal(io.code, 0, io.stderr);
    assert.equal(io.stdout.match(/^Device +tps +kB_read\/s +kB_wrtn\/s +kB_dscd\/s +kB_read +kB_wrtn +kB_dscd$/gm)?.length, 2);
    const json = (await h.cli(['stat', '--json'])).stdout.trim().split('\n').map((x) => JSON.parse(x));
    assert.equal(json.length, 1);
    assert.equal(typeof json[0].free, 'number');
  });
});

describe('history, times and accounting summaries', () => {
  const h = new TestHome('appinit-monitor2-');
  // Each `up` replaces the set: later ones keep these two (unchanged programs are left alone).
  const IDLE_AND_BURN = `  idle:
    command: sleep 1000
  burn:
    command: sh -c 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done'
    restart: never
`;
  after(() => h.cleanup());

  test('the daemon samples running jobs; history shows the samples, CPU of a busy job included', async () => {
    await h.up(`programs:
${IDLE_AND_BURN}`);
    await h.waitJob('idle', 'running', (j) => j.state === 'running');
    const v = await waitFor('3 samples of idle', async () => {
      const r = await h.cli(['history', 'idle', '--json']);
      const hv = JSON.parse(r.stdout) as { intervalMs: number; jobs: { samples: { pids: number; cpu: number; rssKb: number; vszKb: number; at: number }[] }[] };
      return (hv.jobs[0]?.samples.length ?? 0) >= 3 ? hv : null;
    });
    assert.equal(v.intervalMs, 200);
    const s = v.jobs[0]?.samples ?? [];
    assert.ok(s.every((x) => x.pids === 1 && x.rssKb > 100 && x.vszKb > x.rssKb && x.cpu < 5), JSON.stringify(s));
    assert.ok((s[1]?.at ?? 0) > (s[0]?.at ?? 0));
    const burn = await h.waitJob('burn', 'exited', (j) => j.state === 'exited', 60_000);
    const hb = JSON.parse((await h.cli(['history', 'burn', '--json'])).stdout) as { jobs: { samples: { cpu: number }[] }[] };
    const peak = Math.max(0, ...(hb.jobs[0]?.samples ?? []).map((x) => x.cpu));
    assert.ok(peak > 30, `the busy job was sampled busy (peak ${peak}%, ${burn.lastExit?.text})`);
    const text = await h.cli(['history', 'idle']);
    assert.match(text.stdout, /^idle %\d+ \(pid \d+\): \d+ samples every 0\.2s/);
    assert.match(text.stdout, /TIME +PROCS +%CPU +RSS +VSZ/);
  });

  test('samples are stored in batches of ticks, and a history read first stores what is pending', async () => {
    // At 200 ms a batch is 6 ticks (1.2 s): right after a batch went out, fewer are stored than taken.
    const stored = () => {
      const db = new Database(join(h.home, 'state.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM monitor_samples').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const b0 = stored();
    await new Promise((r) => setTimeout(r, 600)); // ~3 ticks of idle (burn has ended)
    const r = JSON.parse((await h.cli(['history', 'idle', '--json'])).stdout) as { jobs: { samples: unknown[] }[] };
    const b1 = stored();
    assert.ok(b1 > b0, `the history read stored the pending samples (${b0} -> ${b1})`);
    assert.ok(r.jobs[0].samples.length >= 3);
    // Between two reads, the store grows by whole batches only: 6 ticks of one job (idle), or nothing.
    const t0 = stored();
    await new Promise((r) => setTimeout(r, 500));
    const grew = stored() - t0;
    assert.ok(grew === 0 || grew % 6 === 0, `stored ${grew} samples in 500 ms: not a whole batch`);
  });

  test('times shows the daemon\'s CPU and its ended children\'s, per program too', async () => {
    const r = await h.cli(['times', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const t = JSON.parse(r.stdout);
    assert.equal(t.daemon.pid, h.daemonPid());
    assert.ok(t.daemon.userSec > 0 && t.daemon.realSec > 0);
    const burn = t.programs.find((p: { program: string }) => p.program === 'burn');
    assert.ok(burn && burn.runs === 1 && burn.userSec + burn.systemSec > 0.2, JSON.stringify(t.programs));
    assert.ok(t.children.userSec >= burn.userSec);
    // The helper reaped every child: the kernel's count of its children's CPU agrees with the records.
    // Kernel (taskstats) records keep the raw tick samples, as the kernel's acct does; cutime is
    // scaled to the precise run time: on a loaded machine they differ (17% seen at load 16 on 2 CPUs,
    // 38% beside a restart-loop bench: 0.81 s against 1.30 s). What is asserted is that they are
    // the same order: a record missing or counted twice is 100% off.
    const recorded = t.children.userSec + t.children.systemSec;
    assert.ok(Math.abs(t.helper.childUserSec + t.helper.childSystemSec - recorded) < Math.max(0.1, 0.45 * recorded), JSON.stringify(t));
    const text = await h.cli(['times']);
    assert.match(text.stdout, /^ +REAL +USER +SYSTEM +RUNS\n/);
    assert.match(text.stdout, /daemon \(pid \d+\) +\d+\.\d\ds +\d+\.\d\ds +\d+\.\d\ds +-/);
    assert.match(text.stdout, /\nburn +1 +\d+\.\d\ds +\d+\.\d\ds +\d+\.\d\ds\n/);
  });

  test('acct --summary counts runs and processes killed by a signal, per command, user or program', async () => {
    await h.up(`programs:
${IDLE_AND_BURN}  suicide:
    command: sh -c 'kill -9 $$'
    restart: never
  ok:
    command: "true"
    restart: never
`);
    await h.waitJob('suicide', 'exited', (j) => j.state === 'exited');
    await h.waitJob('ok', 'exited', (j) => j.state === 'exited');
    assert.equal((await h.cli(['stop', 'idle'])).code, 0);
    const r = await acctCli(h, ['acct', '--summary', '--by', 'program', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { key: string | null; calls: number; killed: number; cores: number; cpuSec: number }[];
    const row = (k: string | null) => rows.find((x) => x.key === k);
    assert.deepEqual({ calls: row('suicide')?.calls, killed: row('suicide')?.killed }, { calls: 1, killed: 1 });
    assert.deepEqual({ calls: row('idle')?.calls, killed: row('idle')?.killed }, { calls: 1, killed: 1 }, 'stopped with SIGTERM');
    assert.deepEqual({ calls: row('ok')?.calls, killed: row('ok')?.killed }, { calls: 1, killed: 0 });
    assert.equal(row(null)?.calls, rows.slice(1).reduce((s, x) => s + x.calls, 0), 'the first row is the total');
    assert.equal(rows[1]?.key, 'burn', 'most CPU first, as sa sorts');
    const text = await acctCli(h, ['acct', '--summary']);
    assert.match(text.stdout, /^ +\d+ +\d+\.\d\dre +\d+\.\d\dcp +\d+avio +\d+k +\d+kill +\d+core\n/);
    // burn and suicide are both sh; idle's sleep was stopped with SIGTERM.
    assert.match(text.stdout, /\n +2 +\d+\.\d\dre +\d+\.\d\dcp +\d+avio +\d+k +1kill +0core   sh\n/);
    assert.match(text.stdout, /\n +1 +\d+\.\d\dre +\d+\.\d\dcp +\d+avio +\d+k +1kill +0core   sleep\n/);
    const byUser = JSON.parse((await acctCli(h, ['acct', '--by', 'user', '--json'])).stdout) as { key: string | null }[];
    assert.deepEqual(byUser.map((x) => x.key), [null, 'root']);
    // Filters: program, command, time window, user.
    const since = JSON.parse((await acctCli(h, ['acct', '--since', '-1h', '--program', 'ok', '--json'])).stdout) as { program: string }[];
    assert.deepEqual(since.map((x) => x.program), ['ok']);
    assert.deepEqual(JSON.parse((await acctCli(h, ['acct', '--until', '-1h', '--json'])).stdout), []);
    assert.equal((JSON.parse((await acctCli(h, ['acct', '--command', 'true', '--user', 'root', '--json'])).stdout) as unknown[]).length, 1);
    const bad = await acctCli(h, ['acct', '--since', 'yesterday-ish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since: expected a time like/);
    // Once main.ts registers acct with acctCommand, the real CLI answers the same.
    const wired = await h.cli(['acct', '--summary', '--by', 'program', '--json']);
    if (wired.code === 0) assert.deepEqual(JSON.parse(wired.stdout).map((x: { key: string }) => x.key), rows.map((x) => x.key));
  });
});

// The supervise helper under pressure (issues 10, 13, 17, 18): opens that block (FIFOs) stall
// only their own job, files are opened with the job user's rights, a crash loop of zero-backoff
// programs cannot livelock it, and a fork bomb is bounded by its job's pids limit.
import { PROTOCOL_VERSION } from '../../src/os/helper-protocol.js';
import assert from 'node:assert/strict';
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { HelperEvent } from '../../src/os/helper-protocol.js';
import { Supervise } from '../../src/os/supervise.js';
import { alive, endHelper, helperSpawner, marked, TestHome, waitFor } from './harness.js';

describe('the helper never stalls on an open', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a FIFO reader waits alone (opening PATH), run --bg answers meanwhile, then both ends run', async () => {
    const fifo = join(h.home, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const got = join(h.home, 'got');
    const reader = `  reader:\n    command: ${JSON.stringify(['sh', '-c', `read l; echo "$l" > ${got}; exec sleep 1000`])}\n    stdin: ${fifo}\n`;
    const writer = `  writer:\n    command: ${JSON.stringify(['sh', '-c', 'echo through-the-fifo; exec sleep 1000'])}\n    stdout: ${fifo}\n`;
    await h.up(`programs:\n${reader}`);
    const waiting = await h.waitJob('reader', 'shown as opening the FIFO', (j) => j.state === 'starting' && j.opening === fifo);
    assert.equal(waiting.pid, null, 'no pid before the exec');
    const t0 = Date.now();
    const r = await h.cli(['run', '--bg', '--', 'sleep', '1'], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\d+\] \d+/);
    const bgMs = Date.now() - t0;
    await h.up(`programs:\n${reader}${writer}`);
    await h.waitJob('reader', 'running', (j) => j.state === 'running');
    await h.waitJob('writer', 'running', (j) => j.state === 'running');
    await waitFor('the line went through the FIFO', () => {
      try { return readFileSync(got, 'utf8') === 'through-the-fifo\n'; } catch { return false; }
    });
    const s = await h.status();
    assert.equal(s.find((j) => j.name === 'reader')?.opening, null, 'the opening note is gone once it runs');
    console.log(`# run --bg answered in ${bgMs} ms while a FIFO open was blocked`);
  });
});

describe('a managed log that is not a file', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a FIFO where a program\'s out.log goes fails that program with the reason; the helper goes on', async () => {
    // Somebody made the log a FIFO (nobody reads it): opened as a log, it held the helper in its
    // open, and so every other job's start and stop, until a reader came.
    mkdirSync(join(h.home, 'logs', 'b'), { recursive: true });
    assert.equal(spawnSync('mkfifo', [join(h.home, 'logs', 'b', 'out.log')]).status, 0);
    await h.up('programs:\n  b:\n    command: sh -c "echo hi; exec sleep 1000"\n    restart: never\n  c:\n    command: sleep 1000\n');
    const b = await h.waitJob('b', 'fatal', (j) => j.state === 'fatal');
    assert.match(b.reason ?? '', /logs\/b\/out\.log: not a regular file/, JSON.stringify(b));
    await h.waitJob('c', 'running', (j) => j.state === 'running' && j.pid != null);
    const bg = await h.cli(['run', '--bg', '--', 'true'], { timeoutMs: 10_000 });
    assert.equal(bg.code, 0, `the helper still starts jobs: ${bg.stderr}`);
  });
});

describe('kill -9 of the helper costs no job', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('a job writing to its managed log lives on; the next helper goes on writing it, no line lost', async () => {
    await h.up(`programs:\n  chatty:\n    command: ${JSON.stringify(['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.02; done'])}\n    stop: { timeout: 1s }\n`);
    const j = await h.waitJob('chatty', 'running', (x) => x.state === 'running' && x.pid != null);
    const log = join(h.home, 'logs', 'chatty', 'out.log');
    const lines = () => { try { return readFileSync(log, 'utf8').split('\n').filter(Boolean); } catch { return []; } };
    await waitFor('some lines logged', () => lines().length >= 5);
    const helper = h.helperPid();
    process.kill(helper, 'SIGKILL');
    await waitFor('a new helper', () => { try { return h.helperPid() !== helper && alive(h.helperPid()); } catch { return false; } });
    const before = lines().length;
    await waitFor('the new helper writes the log on', () => lines().length >= before + 20);
    assert.equal(alive(j.pid!), true, 'the job survived its helper');
    const n = lines().map((l) => Number(/(?:^|Z )line (\d+)$/.exec(l)?.[1])); // timestamped by default
    assert.deepEqual(n, n.map((_, i) => i + 1), 'every line, once, in order');
    const r = await h.cli(['stop', 'chatty'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the job is gone', () => !alive(j.pid!));
    console.log(`# helper killed after ${before} lines; ${lines().length} lines, none lost, job pid ${j.pid} unchanged`);
  });

  // The fd holder (native/holder.c) watches what it holds through epoll: it must still let go of
  // the pipes of jobs that ended, and keep the one an ended job left bytes in while no helper read.
  test('the holder lets go of ended jobs\' pipes, and keeps last words written while the helper was stopped', async () => {
    // The pipes it holds (its own descriptors are sockets, an epoll and /dev/null).
    const pipes = (pid: number) => readdirSync(`/proc/${pid}/fd`).filter((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('pipe:'); } catch { return false; } }).length;
    const many = Array.from({ length: 30 }, (_, i) => `  brief${i}:\n    command: ["sleep", "1000"]\n    ready: 0\n`).join('');
    const fifo = join(h.home, 'last-in');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const writer = openSync(fifo, 'r+'); // O_RDWR: opens at once, and the job's open for reading finds a writer
    after(() => { try { closeSync(writer); } catch { /* closed */ } });
    await h.up(`programs:\n${many}  last:\n    command: ${JSON.stringify(['sh', '-c', 'read x; echo "last words $x"'])}\n    stdin: ${fifo}\n    restart: never\n`);
    const helper = h.helperPid();
    const holder = h.holderPid();
    assert.ok(holder, 'the helper has its fd holder');
    await waitFor('all 31 jobs run', async () => (await h.status()).filter((j) => j.state === 'running').length === 31);
    await waitFor('the holder holds the 31 jobs\' pipes (stdout and stderr each)', () => pipes(holder) === 62);
    const r = await h.cli(['stop', ...Array.from({ length: 30 }, (_, i) => `brief${i}`)], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the holder let go of the 30 stopped jobs\' pipes', () => pipes(holder) === 2);
    // Stop the helper; the job writes and ends; the holder must keep that pipe for the next helper.
    const last = await h.waitJob('last', 'running', (x) => x.state === 'running' && x.pid != null);
    process.kill(helper, 'SIGSTOP');
    try {
      writeSync(writer, 'here\n');
      closeSync(writer);
      await waitFor('the job ended', () => !alive(last.pid!));
    } finally {
      process.kill(helper, 'SIGKILL');
      // Reaped at once by the daemon, the pid may be gone already: nothing then to continue.
      try { process.kill(helper, 'SIGCONT'); } catch { /* gone */ }
    }
    const log = join(h.home, 'logs', 'last', 'out.log');
    await waitFor('the next helper wrote the ended job\'s last words', () => {
      try { return /last words here$/m.test(readFileSync(log, 'utf8')); } catch { return false; }
    }, 15_000);
    assert.equal(alive(holder), true, 'the same holder served the next helper');
    console.log('# holder: 62 pipes held with 31 jobs, 2 after 30 stopped; the last words came through the next helper');
  });
});

describe('kill -9 of the helper while a job floods its log', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  // What the README promises: what is still in the pipe is never lost; what the helper had read
  // and not written when killed (one read of at most 256 KiB, and its unfinished line) may be. So:
  // one gap at most, that small, every other line once and in order, and the job's end logged.
  test('the log goes on in order after the kill; at most one read of the helper is missing', async () => {
    const n = 6_000_000; // 46.9 MB: the helper pumps it in well under a second here
    const whole = Array.from({ length: n }, (_, i) => String(i + 1).length + 1).reduce((x, y) => x + y, 0) + 'done\n'.length;
    const log = join(h.home, 'logs', 'flood', 'out.log');
    const size = () => { try { return statSync(log).size; } catch { return 0; } };
    const helper = await (async () => { await h.cli(['info']); return h.helperPid(); })();
    await h.up(`programs:\n  flood:\n    command: ["sh", "-c", "seq 1 ${n}; echo done"]\n    restart: never\n    log: { timestamps: none, max_size: 1GB }\n`);
    await waitFor('the job has logged 2 MB', () => size() > 2_000_000, 20_000, 2);
    process.kill(helper, 'SIGKILL');
    const atKill = size();
    assert.ok(atKill < whole, `the helper was killed before the job's end was logged (${atKill} of ${whole} bytes)`);
    await waitFor('the job\'s last line is logged', () => readFileSync(log, 'utf8').endsWith('\ndone\n'), 30_000);
    const lines = readFileSync(log, 'utf8').split('\n').slice(0, -2); // without "done" and the end
    let want = 1;
    let cuts = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l === String(want)) { want++; continue; }
      // The cut: here the lines go on further along, either at once (whole lines were lost) or
      // after the tail of a line the kill split (its head was in the helper).
      cuts++;
      const v = Number(l);
      if (/^\d+$/.test(l) && v > want && lines[i + 1] === String(v + 1)) { want = v + 1; continue; }
      const next = Number(lines[i + 1]);
      assert.ok(Number.isInteger(next) && next >= want, `line ${i + 1}: ${JSON.stringify(l)} where ${want} was due, then ${JSON.stringify(lines[i + 1])}`);
      want = next;
    }
    assert.equal(want, n + 1, `the log goes on to the last line (it stopped at ${want - 1})`);
    assert.ok(cuts <= 1, `one cut at most: ${cuts}`);
    const lost = whole - size();
    assert.ok(lost >= 0 && lost <= 256 * 1024 + 16, `at most one read of the helper lost: ${lost} bytes`);
    console.log(`# kill -9 of the helper ${(atKill / 1e6).toFixed(1)} MB into a ${(whole / 1e6).toFixed(1)} MB flood: ${lost} bytes lost, ${cuts} cut, the rest once and in order`);
  });
});

describe('a crash loop cannot livelock the helper', () => {
  const h = new TestHome();
  after(() => h.cleanup());

  test('20 crash-looping zero-backoff programs: stop all returns promptly, no zombie is left', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `crash${i}`);
    await h.up(
      'programs:\n' +
        names.map((n) => `  ${n}:\n    command: ["false"]\n    backoff: { initial: 0 }\n    crash_loop: { limit: 1000000, window: 1s }\n    ready: 0\n`).join(''),
    );
    const t0 = Date.now();
    const looping = await waitFor('every program restarted 20 times', async () => {
      const s = (await h.status()).filter((j) => names.includes(j.name));
      return s.length === 20 && s.every((j) => j.restarts >= 20) ? s : null;
    }, 30_000);
    const total = looping.reduce((n, j) => n + j.restarts, 0);
    const rate = Math.round((total * 1000) / (Date.now() - t0));
    const t1 = Date.now();
    const r = await h.cli(['stop', 'all'], { timeoutMs: 30_000 });
    const stopMs = Date.now() - t1;
    assert.equal(r.code, 0, r.stderr);
    const after = (await h.status()).filter((j) => names.includes(j.name));
    assert.ok(after.every((j) => j.state === 'stopped' && j.pid == null), `all stopped: ${after.map((j) => `${j.name}=${j.state}`).join(' ')}`);
    const helper = h.helperPid();
    const holder = h.holderPid();
    const kids = readFileSync(`/proc/${helper}/task/${helper}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number)
      .filter((pid) => { if (pid === holder) return false; try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8') != null; } catch { return false; } }); // its fd holder is no job; a pid gone meanwhile is none
    const zombies = kids.filter((pid) => { try { return !alive(pid) && readFileSync(`/proc/${pid}/stat`, 'utf8').length > 0; } catch { return false; } });
    assert.deepEqual(zombies, [], 'no zombie child of the helper');
    assert.deepEqual(kids, [], 'no child of the helper at all');
    console.log(`# 20 programs crash-looping at ${rate} restarts/s in total; stop all took ${stopMs} ms`);
  });
});

describe('limits, through the helper protocol (spawn keys cg_pids, rlimit)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appinit-helper-'));
  const mark = `APPINIT_TEST_MARK=${dir}`;
  const helper = new Supervise(join(dir, 'supervise.sock'), join(dir, 'supervise.pid'), join(dir, 'supervise.log'));
  const seen: Record<string, unknown>[] = [];
  helper.on('batch', (batch: HelperEvent[]) => {
    let seq = 0;
    for (const m of batch) {
      seen.push(m as unknown as Record<string, unknown>);
      helper.dispatch(m);
      if ('seq' in m && typeof m.seq === 'number') seq = Math.max(seq, m.seq);
    }
    if (seq) helper.ack(seq);
  });
  const spawn = helperSpawner(helper, dir);
  after(() => endHelper(helper, dir, mark));

  test('hello says the protocol version and where the cgroups are', async () => {
    await helper.connect();
    await waitFor('hello', () => helper.helperPid > 0);
    assert.equal(helper.hello?.version, PROTOCOL_VERSION);
    assert.match(helper.hello?.cgroup ?? '', /^(v2:\/.+\/appinit-\d+-[0-9a-f]{8}|none)$/);
  });

  test('a fork bomb under cg_pids 50 is bounded and stopped', { skip: !cgroupsWritable() && 'no writable cgroups here' }, async () => {
    assert.notEqual(helper.hello?.cgroup, 'none');
    // Nine rounds of fork in every process: 512 without a limit; a failed fork is skipped, not
    // retried (no spinning), so with the limit about 50 stay, sleeping.
    const bomb = 'for my $d (1..9) { fork // select(undef, undef, undef, 0.01) } sleep 1000';
    await spawn('bomb', ['perl', '-e', bomb], { limits: { pids: 50, memory: null, cpu: null } });
    let most = 0;
    await waitFor('the bomb reaches its limit', () => {
      most = Math.max(most, marked(mark).length);
      return most >= 45;
    }, 20_000);
    for (let i = 0; i < 20; i++) most = Math.max(most, marked(mark).length);
    assert.ok(most <= 50, `at most 50 processes (saw ${most})`);
    const empty = waitFor('empty {job: bomb}', () => seen.some((m) => m.ev === 'empty' && m.job === 'bomb'), 10_000);
    helper.signalJob('bomb', 9, true);
    await empty;
    assert.deepEqual(marked(mark), [], 'nothing of the bomb is left');
    console.log(`# fork bomb bounded at ${most} processes by cg_pids 50`);
  });

  test('cg_memory and cg_cpu land in the job\'s own groups', { skip: !cgroupsWritable() && 'no writable cgroups here' }, async () => {
    const { pid } = await spawn('capped', ['sleep', '1000'], { limits: { pids: null, memory: 64 * 1024 * 1024, cpu: 50 } });
    const groups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    assert.match(groups, /^0::.*\/appinit-\d+-[0-9a-f]{8}\/job-capped$/m, 'in its v2 group');
    const read = (ctrl: string, file: string): string => {
      const line = groups.split('\n').find((l) => l.split(':')[1]?.split(',').includes(ctrl));
      const v2 = groups.split('\n').find((l) => l.startsWith('0::'))!.slice(3);
      const dir = line && line.split(':')[2] !== '/' && line.split(':')[2].endsWith('/job-capped') ? `/sys/fs/cgroup/${ctrl}${line.split(':')[2]}` : `/sys/fs/cgroup/unified${v2}`;
      return readFileSync(join(dir, file), 'utf8').trim();
    };
    const v1 = groups.includes(':memory:') && /:memory:.*job-capped$/m.test(groups);
    assert.equal(read('memory', v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(64 * 1024 * 1024));
    assert.match(read('cpu', v1 ? 'cpu.cfs_quota_us' : 'cpu.max'), /^50000\b/);
    const empty = waitFor('empty {job: capped}', () => seen.some((m) => m.ev === 'empty' && m.job === 'capped'), 10_000);
    helper.signalJob('capped', 15, true);
    await empty;
  });

  // (Through the daemon, `up` now refuses such a file at load time; the helper must still hold.)
  test('files are opened with the job user\'s rights: nobody cannot read a 0600 root file as stdin', async () => {
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'SECRET_TOKEN=1\n');
    chmodSync(secret, 0o600);
    const r = await spawn('peek', ['cat'], { user: 'nobody', stdin: secret });
    assert.equal(r.execErrno, 13, 'EACCES');
    assert.equal(r.stage, 'stdin');
    assert.equal(r.path, secret, 'the failure names the path');
  });

  test('rlimit keys are set in the child before exec', async () => {
    const out = join(dir, 'limits');
    await spawn('lim', ['sh', '-c', `ulimit -n > ${out}; ulimit -c >> ${out}`], { rlimits: { nofile: { soft: 64, hard: 128 }, core: { soft: 0, hard: null } } });
    await waitFor('the limits were written', () => { try { return readFileSync(out, 'utf8').split('\n').length >= 3; } catch { return false; } });
    assert.equal(readFileSync(out, 'utf8'), '64\n0\n');
    const bad = await spawn('lim2', ['true'], { rlimits: { nofile: { soft: 10, hard: 5 } } }).then(() => null, (e: Error) => e.message);
    assert.match(bad ?? '', /bad rlimit "nofile:10:5"/);
  });

  test('termios: the classic line settings are applied to a tty device after opening it', async () => {
    // A terminal to stand in for tty1: a pty pair held open by python for the test's length.
    const py = spawnChild('python3', ['-c', 'import os,pty,sys; m,s=pty.openpty(); print(os.ttyname(s), flush=True); sys.stdin.read()'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const tty = await new Promise<string>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
      // struct termios (x86_64 glibc, 60 bytes): iflag ICRNL, oflag OPOST|ONLCR, cflag B9600|CS8|CREAD,
      // lflag ISIG|ICANON (no ECHO), line 0, c_cc[32], 3 bytes padding, ispeed, ospeed.
      const t = Buffer.alloc(60);
      t.writeUInt32LE(0o400, 0);
      t.writeUInt32LE(0o5, 4);
      t.writeUInt32LE(0o15 | 0o60 | 0o200, 8);
      t.writeUInt32LE(0o1 | 0o2, 12);
      t[17 + 0] = 3; // VINTR ^C
      t[17 + 4] = 4; // VEOF ^D
      t[17 + 6] = 1; // VMIN
      t.writeUInt32LE(0o15, 52);
      t.writeUInt32LE(0o15, 56);
      const out = join(dir, 'stty');
      await spawn('line', ['sh', '-c', `stty -a > ${out}`], { tty, termios: t.toString('hex') });
      await waitFor('stty wrote the settings', () => { try { return readFileSync(out, 'utf8').includes('speed'); } catch { return false; } });
      const settings = readFileSync(out, 'utf8');
      assert.match(settings, /speed 9600 baud/);
      assert.match(settings, /(^|\s)-echo(\s|$)/m);
      assert.match(settings, /(^|\s)icanon(\s|$)/m);
    } finally {
      py.kill('SIGKILL');
    }
  });

  test('stats reports the dropped counters', async () => {
    helper.requestStats();
    const s = await waitFor('a stats event', () => seen.find((m) => m.ev === 'stats'));
    assert.equal(typeof (s.dropped as Record<string, number>).logBytes, 'number');
  });
});

/** True when this machine lets us make cgroups (v2 with cgroup.kill). */
function cgroupsWritable(): boolean {
  try {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    const m = /\s(\S+) \S+ - cgroup2 /.exec(mounts);
    if (!m) return false;
    const probe = mkdtempSync(join(m[1], 'appinit-probe-'));
    const ok = readdirSync(probe).includes('cgroup.kill');
    rmdirSync(probe);
    return ok;
  } catch {
    return false;
  }
}

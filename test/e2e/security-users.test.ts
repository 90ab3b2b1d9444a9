// Issue 15, security: one system daemon, two real users (made here with useradd, removed at the
// end) and root. A user sees, signals, stops, attaches to and reads the logs of only their own
// jobs, reads and changes only their own at queue and crontab; a refusal reads exactly as a
// target that does not exist. Jobs a user starts run as that user with exactly that user's uid,
// gid and groups (compared with `id`), no descriptor of the daemon and none of its environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, waitFor } from './harness.js';
import { Pty } from './pty.js';
import { makeUser, removeUsers, SystemHome, type TestUser } from './system-harness.js';

const isRoot = process.getuid?.() === 0;
const tag = `${process.pid % 100000}`;
const A = `apsa${tag}`; // the user whose jobs are attacked
const B = `apsb${tag}`; // the other user
const GROUP = `apsg${tag}`; // a supplementary group of A's

// What a refusal of X says must be what a missing Y says, with the one name swapped.
function sameAnswer(denied: { code: number; stderr: string }, missing: { code: number; stderr: string }, x: string, y: string): void {
  assert.notEqual(denied.code, 0, `refused: ${denied.stderr}`);
  assert.equal(denied.code, missing.code, 'the same exit status as for a target that does not exist');
  assert.equal(denied.stderr.split(x).join('<T>'), missing.stderr.split(y).join('<T>'), 'the same words as for a target that does not exist');
}

describe('system daemon: users are kept apart', { skip: isRoot ? false : 'needs root (creates users, runs the system daemon)' }, () => {
  const h = isRoot ? new SystemHome() : (null as unknown as SystemHome);
  let a: TestUser;
  let b: TestUser;
  let probeOut = '';
  let sleepJob = 0;
  let sleepId = 0;
  let rootJob = 0;
  let atId = 0;

  before(async () => {
    a = makeUser(A, [GROUP]);
    b = makeUser(B);
    // The daemon holds a secret in its environment and an extra open descriptor (fd 3), neither of which a job may get.
    writeFileSync(join(h.dir, 'daemon-secret'), 'secret file\n', { mode: 0o600 });
    const { openSync } = await import('node:fs');
    const extra = openSync(join(h.dir, 'daemon-secret'), 'r');
    await h.start({ SECRET_TOKEN: 'hunter2', APPINIT_TEST_SECRET: 'daemon-only' }, ['ignore', 'pipe', 'pipe', extra]);
    // A's program prints what it is (ids, groups, descriptors, environment), then stays up.
    h.write('probe.py', [
      'import os, json, sys, time',
      'fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))',
      'print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "egid": os.getegid(), "groups": sorted(os.getgroups()),',
      '  "fds": fds, "env": dict(os.environ)}), flush=True)',
      'time.sleep(1000)',
    ].join('\n'), 0o755);
    mkdirSync(join(h.dir, 'marks'), { mode: 0o777 });
    chmodSync(join(h.dir, 'marks'), 0o777);
    const hc = `id -u > ${join(h.dir, 'marks', 'hc')}; env > ${join(h.dir, 'marks', 'hc-env')}`;
    const file = h.write('a.yaml', `programs:\n  web-${tag}:\n    command: python3 ${join(h.files, 'probe.py')}\n    env: { FROM_FILE: "yes" }\n` +
      `  hc-${tag}:\n    command: sleep 1000\n    ready: 100ms\n    health: { exec: ${JSON.stringify(['sh', '-c', hc])}, every: 1s }\n` +
      `  rot-${tag}:\n    command: ${JSON.stringify(['sh', '-c', 'i=0; while [ $i -lt 60 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.02; i=$((i+1)); done; exec sleep 1000'])}\n    log: { maxSize: 1KB }\n`);
    const up = await h.cli(['up', file], { user: a });
    assert.equal(up.code, 0, `A's up: ${up.stderr}`);
    const bg = await h.cli(['run', '--bg', '--name', `sl-${tag}`, '--', 'sleep', '1000'], { user: a });
    assert.equal(bg.code, 0, bg.stderr);
    sleepJob = Number(/^\[(\d+)\]/.exec(bg.stdout)?.[1]);
    const rbg = await h.cli(['run', '--bg', '--name', `root-${tag}`, '--', 'sleep', '1001']);
    assert.equal(rbg.code, 0, rbg.stderr);
    rootJob = Number(/^\[(\d+)\]/.exec(rbg.stdout)?.[1]);
    const at = await h.cli(['at', 'now', '+', '1', 'hour'], { user: a, input: 'echo from-a\n' });
    assert.equal(at.code, 0, at.stderr);
    atId = Number(/job (\d+)/.exec(at.stderr)?.[1]);
    assert.ok(atId > 0, `at said its job number: ${at.stderr}`);
    const tab = h.write('a.cron', '0 0 1 1 * echo new-year\n');
    assert.equal((await h.cli(['crontab', tab], { user: a })).code, 0);
    const st = JSON.parse((await h.cli(['status', '--json'], { user: a })).stdout) as { name: string; pid: number | null; job: number }[];
    for (const j of st) h.saw(j.pid);
    const js = JSON.parse((await h.cli(['jobs', '--json'], { user: a })).stdout) as { number: number; id: number }[];
    sleepId = js.find((j) => j.number === sleepJob)?.id ?? 0;
    assert.ok(sleepId > 0, `A's jobs lists %${sleepJob} with its id`);
    await waitFor('the rotating program rotated its log twice', () => (existsSync(join(h.dir, 'log', `rot-${tag}`, 'out.log.2')) ? true : null), 20_000);
    probeOut = await waitFor('the probe printed its line', async () => {
      const r = await h.cli(['logs', `web-${tag}`, '-n', '5'], { user: a });
      return r.stdout.includes('"uid"') ? r.stdout : null;
    });
  });

  after(async () => {
    await h.cleanup();
    removeUsers([A, B], [GROUP]);
  });

  test("a user's programs run with exactly that user's uid, gid and groups (as id says), with no descriptor and no environment of the daemon", () => {
    const line = probeOut.split('\n').find((l) => l.includes('"uid"'))!;
    const p = JSON.parse(line.slice(line.indexOf('{'))) as { uid: number; euid: number; gid: number; egid: number; groups: number[]; fds: number[]; env: Record<string, string> };
    const id = (flag: string) => spawnSync('id', [flag, A], { encoding: 'utf8' }).stdout.trim();
    assert.equal(p.uid, Number(id('-u')));
    assert.equal(p.euid, p.uid);
    assert.equal(p.gid, Number(id('-g')));
    assert.equal(p.egid, p.gid);
    assert.deepEqual(p.groups, id('-G').split(' ').map(Number).sort((x, y) => x - y), 'the supplementary groups id -G lists');
    assert.ok(p.groups.length >= 2, 'A is in its own group and in the extra one');
    // 0, 1, 2, and the directory listdir opened: nothing of the daemon's (its fd 3 was a secret file).
    assert.deepEqual(p.fds.slice(0, 3), [0, 1, 2]);
    assert.equal(p.fds.length, 4, `only stdin, stdout, stderr and the listing's own descriptor: ${JSON.stringify(p.fds)}`);
    // The documented environment: passwd's identity and PATH, the daemon's locale, the file's env, APPINIT_JOB/PROGRAM/INSTANCE.
    const allowed = /^(HOME|USER|LOGNAME|SHELL|PATH|LANG|LANGUAGE|LC_[A-Z_]+|TZ|FROM_FILE|APPINIT_JOB|APPINIT_PROGRAM|APPINIT_INSTANCE|APPINIT_SYSTEM|APPINIT_SYSTEM_HOME)$/;
    for (const k of Object.keys(p.env)) assert.match(k, allowed, `${k} is not part of a user job's documented environment`);
    assert.equal(p.env.USER, A);
    assert.equal(p.env.FROM_FILE, 'yes');
    assert.equal(p.env.APPINIT_SYSTEM, '1', "the job's own appinit commands reach the daemon that runs it");
    assert.equal(p.env.APPINIT_SYSTEM_HOME, h.dir);
    assert.ok(!JSON.stringify(p.env).includes('hunter2') && !JSON.stringify(p.env).includes('daemon-only'), "the daemon's secrets stay with it");
  });

  test("a user's exec health check runs as that user, with the job's environment, not the daemon's", async () => {
    const f = join(h.dir, 'marks', 'hc');
    const uid = await waitFor('the health check ran', () => (existsSync(f) && readFileSync(f, 'utf8').trim() ? readFileSync(f, 'utf8').trim() : null), 20_000);
    assert.equal(Number(uid), a.uid);
    // `env > hc-env` comes after `id -u > hc`, and every check empties it first: read it once it
    // holds a whole environment, not once.
    const envFile = join(h.dir, 'marks', 'hc-env');
    const env = await waitFor('the health check wrote its environment', () => {
      try { const t = readFileSync(envFile, 'utf8'); return t.endsWith('\n') ? t : null; } catch { return null; }
    }, 20_000);
    assert.ok(!env.includes('hunter2') && !env.includes('daemon-only'), "the daemon's secrets stay with it");
    assert.match(env, new RegExp(`^USER=${A}$`, 'm'));
  });

  test("a job run with `run` is the user's, not root's", async () => {
    const r = await h.cli(['run', '--', 'id'], { user: a });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), spawnSync('id', [A], { encoding: 'utf8' }).stdout.trim(), 'run -- id prints what id A prints');
  });

  test("a user's terminal goes through the daemon: run in a pty, Ctrl-Z, fg, Ctrl-D", async () => {
    const term = (args: string[]) => Pty.spawn(['setpriv', `--reuid=${a.uid}`, `--regid=${a.gid}`, '--init-groups', process.execPath, CLI, '--system', ...args], { ...h.env({ USER: A, TERM: 'xterm' }) });
    const t = await term(['run', '--', 'cat']);
    try {
      await waitFor('cat running', async () => JSON.parse((await h.cli(['status', '--json'], { user: a })).stdout).some((j: { command: string; state: string }) => j.command === 'cat' && j.state === 'running'));
      await t.send('hello\r');
      await t.expect(/hello\r\nhello\r\n/, "the echo and cat's copy");
      await t.send('\x1a');
      await t.expect(/\[(\d+)\]\+  Stopped +cat/, 'the Stopped line');
      assert.equal(await t.wait(), 148);
    } finally {
      await t.close().catch(() => undefined);
    }
    const n = /\[(\d+)\]\+  Stopped +cat/.exec((await h.cli(['jobs'], { user: a })).stdout)?.[1];
    assert.ok(n, 'A\'s jobs shows cat stopped');
    const other = await h.cli(['fg', `%${n}`], { user: b });
    assert.match(other.stderr, new RegExp(`%${n}: no such job`), 'B cannot take it');
    const f = await term(['fg', `%${n}`]);
    try {
      await f.expect(/cat\r\n/, 'fg prints the command');
      await f.send('again\r');
      await f.expect(/again\r\nagain\r\n/, 'cat works again after fg');
      await f.send('\x04');
      assert.equal(await f.wait(), 0);
    } finally {
      await f.close().catch(() => undefined);
    }
  });

  test("a user's job gets a terminal that is the user's (group tty, 0620), as login gives one", async () => {
    const t = await Pty.spawn(['setpriv', `--reuid=${a.uid}`, `--regid=${a.gid}`, '--init-groups', process.execPath, CLI, '--system', 'run', '--', 'sh', '-c', 'stat -c "owner=%U:%G mode=%a" "$(tty)"'], { ...h.env({ USER: A, TERM: 'xterm' }) });
    try {
      await t.expect(new RegExp(`owner=${A}:tty mode=620`), "the job's terminal is its user's");
      assert.equal(await t.wait(), 0);
    } finally {
      await t.close().catch(() => undefined);
    }
  });

  test("root's jobs takes no user's report: the user's wait %N still has the status", async () => {
    const r = await h.cli(['run', '--bg', '--', 'sh', '-c', 'exit 9'], { user: a });
    const n = /^\[(\d+)\]/.exec(r.stdout)?.[1];
    assert.ok(n, r.stdout + r.stderr);
    await waitFor('root to see the job ended', async () => /Exit 9 +sh -c 'exit 9'/.test((await h.cli(['jobs'])).stdout));
    const w = await h.cli(['wait', `%${n}`], { user: a });
    assert.equal(w.code, 9, `A's wait %${n}: ${w.stderr}`);
  });

  test("holders and waiters of resources that are not yours read as another user's", async () => {
    // Root's program holds root's semaphore: B sees the resource, not whose job holds it.
    const own = h.write(`own-${tag}.yaml`, `resources:\n  rr${tag}: { semaphore: 1 }\nprograms:\n  holder-${tag}:\n    command: sleep 1004\n    needs: { rr${tag}: 1 }\n`);
    assert.equal((await h.cli(['up', own])).code, 0);
    await waitFor("root's holder running", async () => JSON.parse((await h.cli(['status', '--json'])).stdout).some((j: { name: string; state: string }) => j.name === `holder-${tag}` && j.state === 'running'));
    for (const args of [['ipcs'], ['ipcs', '--json'], ['deadlock']]) {
      const seen = await h.cli(args, { user: b });
      assert.ok(!seen.stdout.includes(`holder-${tag}`), `B's ${args.join(' ')} names no job of root's: ${seen.stdout.slice(0, 400)}`);
    }
    assert.match((await h.cli(['ipcs', '--json'])).stdout, new RegExp(`holder-${tag}`), 'root sees it');
    // Its value is read permission's (0600, root's), as semctl(GETVAL) answers EACCES: B may
    // list it, not read it.
    const get = await h.cli(['sem', `rr${tag}`, 'get'], { user: b });
    assert.deepEqual([get.code, get.stdout], [1, ''], `B's sem get of root's 0600 semaphore is refused: ${get.stdout}${get.stderr}`);
    assert.match(get.stderr, new RegExp(`rr${tag}: permission denied \\(mode 0600, owner uid 0\\)`));
    const listed = JSON.parse((await h.cli(['ipcs', '--json'], { user: b })).stdout).appinit.resources.find((r: { name: string }) => r.name === `rr${tag}`);
    assert.deepEqual([listed?.value, listed?.initial], [null, null], "B's ipcs --json lists it without its value");
    assert.match((await h.cli(['ipcs', '-s'], { user: b })).stdout, new RegExp(`^rr${tag} +root +600 +- `, 'm'), "B's ipcs shows - for its value");
    assert.equal((await h.cli(['sem', `rr${tag}`, 'get'])).stdout, '0\n', 'root reads it (held by the job: 0)');
    const create = await h.cli(['sem', `rr${tag}`, 'create', '1'], { user: b });
    assert.equal(create.code, 1, `B's create over root's 0600 semaphore is refused, as semget(IPC_CREAT) says EACCES: ${create.stdout}`);
    assert.match(create.stderr, new RegExp(`rr${tag}: permission denied`));
    // deadlock's E and A vectors say the value too: null for B, '-' in its table.
    const dl = JSON.parse((await h.cli(['deadlock', '--json'], { user: b })).stdout) as { resources: string[]; existing: (number | null)[]; available: (number | null)[] };
    const k = dl.resources.indexOf(`rr${tag}`);
    assert.ok(k >= 0, `B's deadlock lists the resource: ${JSON.stringify(dl)}`);
    assert.deepEqual([dl.existing[k], dl.available[k]], [null, null], "B's deadlock --json has no value of it");
    const rootDl = JSON.parse((await h.cli(['deadlock', '--json'])).stdout) as { resources: string[]; existing: (number | null)[] };
    assert.equal(rootDl.existing[rootDl.resources.indexOf(`rr${tag}`)], 1, 'root sees E = 1');
    await h.cli(['up', h.write(`none-${tag}.yaml`, 'programs: {}\n')]);
  });

  test("events, a deadlock refusal and deadlock --dot name no job or process of another user's", async () => {
    // Root's job holds root's 0600 semaphore, then ends: the give-back event is root's to read.
    const file = h.write(`ev-${tag}.yaml`, `resources:\n  ev${tag}: { semaphore: 1 }\n  mx1${tag}: { mutex: true, mode: 0666 }\n  mx2${tag}: { mutex: true, mode: 0666 }\nprograms:\n  evjob-${tag}:\n    command: sleep 1005\n    restart: never\n    needs: { ev${tag}: 1 }\n`);
    assert.equal((await h.cli(['up', file])).code, 0);
    await waitFor("root's evjob running", async () => JSON.parse((await h.cli(['status', '--json'])).stdout).some((j: { name: string; state: string }) => j.name === `evjob-${tag}` && j.state === 'running'));
    assert.equal((await h.cli(['stop', `evjob-${tag}`])).code, 0);
    const rootEvents = async () => (JSON.parse((await h.cli(['ipcs', '--json'])).stdout).appinit.events as { text: string }[]).map((e) => e.text);
    await waitFor('the give-back event', async () => (await rootEvents()).some((t) => t.includes(`after job evjob-${tag}`)));
    const bEvents = (JSON.parse((await h.cli(['ipcs', '--json'], { user: b })).stdout).appinit.events as { text: string }[]).map((e) => e.text);
    assert.ok(!bEvents.some((t) => t.includes(`evjob-${tag}`) || t.includes(`ev${tag}`)), `B sees no event of root's 0600 semaphore: ${JSON.stringify(bEvents)}`);
    assert.ok(bEvents.some((t) => t.includes(`mutex mx1${tag} created`)), `B sees the creation of a resource it may read: ${JSON.stringify(bEvents)}`);
    // A deadlock between root and B on two 0666 mutexes: B's request closes the cycle, and the
    // refusal names root's side as another user's.
    const go = join(tmpdir(), `appinit-go-${tag}`); // B makes it: h.files is root's to write
    // Waits (as B) until someone waits for $1: then B's request closes the cycle, not root's.
    const waited = h.write(`waited-${tag}.sh`, `#!/bin/sh\nfor i in $(seq 200); do\n  ${process.execPath} ${CLI} --system ipcs --json | ${process.execPath} -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).appinit.resources.find(x=>x.name===process.argv[1]);process.exit(r&&r.waiters.length?0:1)})' "$1" && exit 0\n  sleep 0.05\ndone\nexit 1\n`, 0o755);
    const inner = (m: string) => `${process.execPath} ${CLI} --system lock ${m} -- true`;
    const rootSide = h.cli(['lock', `mx1${tag}`, '--', 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; exec ${inner(`mx2${tag}`)}`], { timeoutMs: 20_000 });
    await waitFor('root holds mx1', async () => (await h.cli(['ipcs', '-s'])).stdout.split('\n').some((l) => l.startsWith(`mx1${tag} `) && /pid \d+/.test(l)));
    const refused = await h.cli(['lock', `mx2${tag}`, '--', 'sh', '-c', `touch ${go}; ${waited} mx2${tag} || exit 99; exec ${inner(`mx1${tag}`)}`], { user: b, timeoutMs: 20_000 });
    assert.match(refused.stderr, new RegExp(`deadlock: .*another user's process holds mx1${tag}, waits for mx2${tag}`), refused.stderr);
    assert.equal((refused.stderr.match(/pid \d+/g) ?? []).length, 1, `only B's own process is named: ${refused.stderr}`);
    assert.equal((await rootSide).code, 0, 'root got both once B gave up');
    // --dot while two processes of root's wait behind one of root's: three nodes, no cycle.
    const holder = h.cli(['lock', `mx1${tag}`, '--', 'sleep', '3']);
    await waitFor('root holds mx1 again', async () => (await h.cli(['ipcs', '-s'])).stdout.split('\n').some((l) => l.startsWith(`mx1${tag} `) && /pid \d+/.test(l)));
    const waiter = h.cli(['lock', `mx1${tag}`, '--', 'true']);
    await waitFor('a waiter', async () => JSON.parse((await h.cli(['deadlock', '--json'])).stdout).holders.length >= 2);
    const dot = (await h.cli(['deadlock', '--dot'], { user: b })).stdout;
    assert.match(dot, /"p:another user's #1"/, dot);
    assert.match(dot, /"p:another user's #2"/, dot);
    assert.equal((await h.cli(['deadlock'], { user: b })).code, 0, 'no deadlock');
    await Promise.all([holder, waiter]);
    rmSync(go, { force: true });
    await h.cli(['up', h.write(`none2-${tag}.yaml`, 'programs: {}\n')]);
  });

  test("a failed exec names the #! interpreter only to a user who may read the file", async () => {
    // Executable by all, readable by root only: root's daemon must not read its #! line for B.
    // (Its name is its own: a job is named after its command, and `secret-TAG` is another test's.)
    const secret = h.write(`hidden-${tag}`, '#!/nonexistent/db-password=hunter2\necho hi\n', 0o711);
    const b1 = await h.cli(['run', '--', secret], { user: b });
    assert.equal(b1.code, 127, b1.stderr);
    assert.doesNotMatch(b1.stderr, /hunter2/, `B is not shown the #! line: ${b1.stderr}`);
    const r1 = await h.cli(['run', '--', secret]);
    assert.match(r1.stderr, /db-password=hunter2: bad interpreter: No such file or directory/, 'root is');
  });

  test("another user's and root's jobs are not listed anywhere", async () => {
    for (const args of [['status', '--json'], ['jobs', '--json'], ['list', '--json'], ['ps', '--json']]) {
      const r = await h.cli(args, { user: b });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(!r.stdout.includes(`web-${tag}`) && !r.stdout.includes(`sl-${tag}`) && !r.stdout.includes(`root-${tag}`), `${args.join(' ')} shows nothing of A's or root's: ${r.stdout.slice(0, 300)}`);
    }
    const mine = await h.cli(['status', '--json'], { user: a });
    assert.ok(!mine.stdout.includes(`root-${tag}`), "A does not see root's job either");
    const all = await h.cli(['status', '--json']);
    assert.ok(all.stdout.includes(`web-${tag}`) && all.stdout.includes(`root-${tag}`), 'root sees every job');
  });

  test('signal, stop, kill, fg, logs, describe of another user\'s (or root\'s) job answer as for no such job, and change nothing', async () => {
    const pairs: [string[], string[], string, string][] = [
      [['stop', `web-${tag}`], ['stop', `nx-${tag}`], `web-${tag}`, `nx-${tag}`],
      [['restart', `web-${tag}`], ['restart', `nx-${tag}`], `web-${tag}`, `nx-${tag}`],
      [['signal', 'KILL', `root-${tag}`], ['signal', 'KILL', `nx-${tag}`], `root-${tag}`, `nx-${tag}`],
      [['stop', `web-${tag}`, 'all'], ['stop', `nx-${tag}`, 'all'], `web-${tag}`, `nx-${tag}`],
      [['kill', '-KILL', `%${sleepJob}`], ['kill', '-KILL', '%999'], `%${sleepJob}`, '%999'],
      [['kill', '-KILL', `%${rootJob}`], ['kill', '-KILL', '%999'], `%${rootJob}`, '%999'],
      [['fg', `%${sleepJob}`], ['fg', '%999'], `%${sleepJob}`, '%999'],
      [['wait', `%${rootJob}`], ['wait', '%999'], `%${rootJob}`, '%999'],
      [['logs', `web-${tag}`], ['logs', `nx-${tag}`], `web-${tag}`, `nx-${tag}`],
      [['logs', `root-${tag}`], ['logs', `nx-${tag}`], `root-${tag}`, `nx-${tag}`],
      [['describe', `web-${tag}`], ['describe', `nx-${tag}`], `web-${tag}`, `nx-${tag}`],
      [['delete', `web-${tag}`], ['delete', `nx-${tag}`], `web-${tag}`, `nx-${tag}`],
    ];
    for (const [denied, missing, x, y] of pairs) {
      sameAnswer(await h.cli(denied, { user: b }), await h.cli(missing, { user: b }), x, y);
    }
    const pk = await h.cli(['pkill', '-f', 'sleep'], { user: b });
    assert.equal(pk.code, 1, `pkill matches nothing of others': ${pk.stdout}`);
    const st = JSON.parse((await h.cli(['status', '--json'])).stdout) as { name: string; state: string }[];
    for (const n of [`web-${tag}`, `sl-${tag}`, `root-${tag}`]) assert.equal(st.find((j) => j.name === n)?.state, 'running', `${n} still runs`);
  });

  test("a terminal cannot be attached to another user's job: through the daemon it reads as no such job; the helper's socket is closed to users", async () => {
    const up = (id: number | string) => `GET /v1/attach?id=${id} HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: appinit-attach\r\n\r\n`;
    const denied = await h.rawAs(b, up(sleepId));
    const missing = await h.rawAs(b, up(999999));
    assert.match(denied, /^HTTP\/1\.1 404/);
    assert.match(missing, /^HTTP\/1\.1 404/);
    const body = (t: string) => t.slice(t.indexOf('\r\n\r\n') + 4);
    assert.equal(body(denied).split(String(sleepId)).join('<N>'), body(missing).split('999999').join('<N>'), 'the same answer as for a job that does not exist');
    const own = await h.rawAs(a, up(sleepId));
    assert.match(own, /^HTTP\/1\.1 101/, "A's own attach is accepted");
    const helper = spawnSync(process.execPath, ['-e', `require('net').connect(process.argv[1]).on('error',e=>{console.log(e.code)}).on('connect',()=>{console.log('connected');process.exit()})`, join(h.dir, 'lib', 'supervise.sock')], { uid: b.uid, gid: b.gid, encoding: 'utf8' });
    assert.equal(helper.stdout.trim(), 'EACCES', "the helper's socket is out of a user's reach");
  });

  test("log files are their job's user's, 0600, in root's 0711 directories: another user cannot list or read them", () => {
    const dir = join(h.dir, 'log', `web-${tag}`);
    const d = statSync(dir);
    assert.equal(d.uid, 0);
    assert.equal(d.mode & 0o777, 0o711);
    const f = statSync(join(dir, 'out.log'));
    assert.equal(f.uid, a.uid, 'out.log belongs to the job\'s user');
    assert.equal(f.mode & 0o777, 0o600);
    const asB = (cmd: string) => spawnSync('sh', ['-c', cmd], { uid: b.uid, gid: b.gid, encoding: 'utf8' });
    assert.notEqual(asB(`cat ${join(dir, 'out.log')}`).status, 0, 'B cannot read it');
    assert.notEqual(asB(`ls ${dir}`).status, 0, 'B cannot list the directory');
    assert.notEqual(asB(`ls ${join(h.dir, 'lib')}`).status, 0, 'B cannot list the store');
    assert.notEqual(asB(`ls ${join(h.dir, 'spool')}`).status, 0, 'B cannot list the spool');
    assert.notEqual(asB(`cat ${join(h.dir, 'spool', `at-${atId}`)}`).status, 0, "B cannot read A's at job file");
    assert.equal(spawnSync('cat', [join(dir, 'out.log')], { uid: a.uid, gid: a.gid, encoding: 'utf8' }).status, 0, 'A reads its own log');
    assert.equal(statSync(join(h.dir, 'spool', `at-${atId}`)).uid, a.uid, "A's at job file is A's");
    // Rotated by the helper (root): the new live file and the rotated ones stay A's, 0600.
    const rot = join(h.dir, 'log', `rot-${tag}`);
    for (const f of ['out.log', 'out.log.1', 'out.log.2']) {
      const st = statSync(join(rot, f));
      assert.equal(st.uid, a.uid, `${f} after rotation is A's`);
      assert.equal(st.mode & 0o777, 0o600, `${f} is 0600`);
    }
  });

  test("a name whose logs are another user's is not taken: run --name and start --name are refused, a command's own name gets @USER", async () => {
    // Root's finished run job left logs/secret-TAG (root's); A's program web-TAG has its own.
    const secret = `secret-${tag}`;
    assert.equal((await h.cli(['run', '--name', secret, '--', 'sh', '-c', 'echo ROOT-SECRET'])).code, 0);
    for (const name of [secret, `web-${tag}`]) {
      const r = await h.cli(['run', '--name', name, '--', 'true'], { user: b });
      assert.equal(r.code, 1, `B's run --name ${name} is refused: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`"${name}" is the name of another user's program or job`));
      const s = await h.cli(['start', '--name', name, '--', 'sleep', '1'], { user: b });
      assert.notEqual(s.code, 0, `B's start --name ${name} is refused`);
      assert.match(s.stderr, /another user's program or job/);
    }
    assert.doesNotMatch((await h.cli(['logs', secret], { user: b })).stdout, /ROOT-SECRET/);
    assert.equal(statSync(join(h.dir, 'log', secret, 'out.log')).uid, 0, 'root\'s log file stays root\'s');
    // A plain run of a command root ran too: its own name with B's user after @.
    const cmd = `echo${tag.replace(/[^A-Za-z0-9]/g, '')}`;
    const bin = h.write(cmd, '#!/bin/sh\necho "$1"\n', 0o755);
    assert.equal((await h.cli(['run', '--', bin, 'ROOT-OUT'])).code, 0);
    const mine = await h.cli(['run', '--', bin, 'B-OUT'], { user: b });
    assert.equal(mine.code, 0, mine.stderr);
    assert.equal(mine.stdout, 'B-OUT\n');
    const logs = await h.cli(['logs', `${cmd}@${B}`], { user: b });
    assert.match(logs.stdout, /B-OUT/);
    assert.doesNotMatch(logs.stdout, /ROOT-OUT/);
    assert.equal(statSync(join(h.dir, 'log', cmd, 'out.log')).uid, 0, 'the command\'s own name stays root\'s');
  });

  test("a FIFO and a unix socket a user's up made are removed only where they were made: a directory swapped for a symlink leads to nothing of root's", async () => {
    // Root's own FIFO and socket, in a directory only root can write.
    const victims = join(h.dir, `victims-${tag}`);
    mkdirSync(victims, { mode: 0o755 });
    assert.equal(spawnSync('mkfifo', ['-m', '600', join(victims, 'victim')]).status, 0);
    assert.equal(spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(join(victims, 'app.sock'))})`]).status, 0);
    // B's working directory, with the two directories B's programs use.
    const work = join(h.dir, `bwork-${tag}`);
    mkdirSync(work, { mode: 0o755 });
    const { chownSync, renameSync, symlinkSync } = await import('node:fs');
    chownSync(work, b.uid, b.gid);
    const asB = (cmd: string) => spawnSync('sh', ['-c', cmd], { uid: b.uid, gid: b.gid, cwd: work, encoding: 'utf8' });
    assert.equal(asB('mkdir fdir ldir').status, 0);
    asB(`printf 'fifos:\n  f-${tag}: { path: ./fdir/victim }\nprograms:\n  fw-${tag}:\n    command: sleep 1000\n    stdout: { fifo: f-${tag} }\n  ls-${tag}:\n    command: sleep 1000\n    listen: ["unix:./ldir/app.sock"]\n' > a.yaml`);
    asB(`printf 'programs:\n  other-${tag}:\n    command: sleep 1000\n' > b.yaml`);
    const up = await h.cli(['up', join(work, 'a.yaml')], { user: b, cwd: work });
    assert.equal(up.code, 0, up.stderr);
    await waitFor('B\'s socket file is there', () => existsSync(join(work, 'ldir', 'app.sock')) || null);
    // B swaps both directories for symlinks to root's directory, then loads a file without them.
    renameSync(join(work, 'fdir'), join(work, 'fdir.old'));
    renameSync(join(work, 'ldir'), join(work, 'ldir.old'));
    symlinkSync(victims, join(work, 'fdir'));
    symlinkSync(victims, join(work, 'ldir'));
    const up2 = await h.cli(['up', join(work, 'b.yaml')], { user: b, cwd: work });
    assert.equal(up2.code, 0, up2.stderr);
    await waitFor('B\'s old programs stopped', async () => !(await h.cli(['status'], { user: b })).stdout.includes(`fw-${tag}`) || null);
    await h.cli(['stop', `other-${tag}`], { user: b });
    assert.ok(existsSync(join(victims, 'victim')), 'root\'s FIFO is still there');
    assert.ok(existsSync(join(victims, 'app.sock')), 'root\'s socket is still there');
  });

  test("top's k (signal a pid) reaches only what kill(2) would let the user signal: not a root process that took the user's euid for a moment", async () => {
    const { spawn } = await import('node:child_process');
    const victim = spawn('python3', ['-c', `import os, time; os.seteuid(${b.uid}); time.sleep(60)`], { stdio: 'ignore' });
    const own = spawn('sleep', ['60'], { stdio: 'ignore', uid: b.uid, gid: b.gid });
    try {
      await waitFor('the victim runs with B\'s euid', () => /^Uid:\s+0\s+\d+/m.test(readFileSync(`/proc/${victim.pid}/status`, 'utf8')) && readFileSync(`/proc/${victim.pid}/status`, 'utf8').match(/^Uid:\s+0\s+(\d+)/m)?.[1] === String(b.uid) || null);
      const client = new URL('../../src/client/index.js', import.meta.url).pathname;
      const asB = (pid: number) => spawnSync(process.execPath, ['--input-type=module', '-e',
        `const { connect } = await import(${JSON.stringify(client)}); const c = await connect({ system: true, autostart: false });
         try { const r = await c.signalPid(${pid}, 'TERM'); console.log('sent', r.signal); } catch (e) { console.log('refused', e.message); }`],
      { uid: b.uid, gid: b.gid, env: h.env(), encoding: 'utf8', timeout: 20_000 });
      const r = asB(victim.pid!);
      assert.match(r.stdout, /^refused .*you may only signal your own processes/m, `${r.stdout}${r.stderr}`);
      assert.equal(victim.exitCode, null, 'the root process lives');
      assert.match(asB(own.pid!).stdout, /^sent SIGTERM/m, 'B signals its own process');
    } finally {
      victim.kill('SIGKILL');
      own.kill('SIGKILL');
    }
  });

  test("kill PID, kill %N, pkill and signal do not reach a process of the user's job that became root (setuid su): Operation not permitted, as kill(2); stop still ends the job", async (t) => {
    // A setuid-root program in the job, as su or passwd: it takes root's real and saved uid too.
    const bin = join(h.files, `su0-${tag}`);
    const cc = spawnSync('cc', ['-o', bin, '-x', 'c', '-'], { encoding: 'utf8',
      input: '#define _GNU_SOURCE\n#include <unistd.h>\nint main(int c, char **v) { (void)c; setresuid(0, 0, 0); execlp("sleep", v[1], "1000", (char *)0); return 1; }\n' });
    if (cc.status !== 0) { t.skip(`no C compiler: ${cc.stderr}`); return; }
    chmodSync(bin, 0o4755);
    const marker = `su0mark${tag}`;
    const rootPids = () => (spawnSync('pgrep', ['-f', `^${marker}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number));
    const uids = (pid: number) => /^Uid:\s+(\d+)\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.slice(1).map(Number);
    const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+[TZ]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const run = await h.cli(['run', '--bg', '--name', `su0-${tag}`, '--', bin, marker], { user: b });
    assert.equal(run.code, 0, run.stderr);
    const n = Number(/^\[(\d+)\]/.exec(run.stdout)?.[1]);
    const pid = await waitFor('the setuid program became root', () => rootPids()[0] ?? null);
    if (uids(pid)?.join() !== '0,0') { t.skip(`${h.files} does not honour setuid (uids ${uids(pid)?.join()})`); await h.cli(['stop', `su0-${tag}`], { user: b }); return; }

    const kp = await h.cli(['kill', '-KILL', String(pid)], { user: b });
    assert.equal(kp.code, 1, kp.stderr);
    assert.match(kp.stderr, new RegExp(`\\(${pid}\\) - Operation not permitted`));
    const kj = await h.cli(['kill', '-STOP', `%${n}`], { user: b });
    assert.equal(kj.code, 1, kj.stderr);
    assert.match(kj.stderr, /Operation not permitted/);
    assert.equal((await h.cli(['kill', '-0', '%%'], { user: b })).code, 1, 'kill -0: nothing B may signal');
    const pk = await h.cli(['pkill', '-KILL', '-f', marker], { user: b });
    assert.equal(pk.code, 1, pk.stderr);
    assert.match(pk.stderr, new RegExp(`killing pid ${pid} failed: Operation not permitted`));
    assert.doesNotMatch(pk.stdout, /sent/);
    const sg = await h.cli(['signal', 'KILL', `su0-${tag}`], { user: b });
    assert.equal(sg.code, 1, sg.stderr);
    assert.match(sg.stderr, /Operation not permitted/);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(alive(pid), 'the root process runs on, neither killed nor stopped');

    // A group of both: kill %N reaches B's own process (the shell's sleep), not the root one.
    const mixed = await h.cli(['run', '--bg', '--name', `mix-${tag}`, '--', 'sh', '-c', `${bin} ${marker}x & exec sleep 1002`], { user: b });
    const m = Number(/^\[(\d+)\]/.exec(mixed.stdout)?.[1]);
    const mixPid = Number(/^\[\d+\] (\d+)/.exec(mixed.stdout)?.[1]);
    const child = await waitFor('the mixed job\'s setuid child became root', () => rootPids().find((p) => p !== pid) ?? null);
    assert.equal((await h.cli(['kill', `%${m}`], { user: b })).code, 0);
    await waitFor('B\'s own sleep ended', () => !alive(mixPid) || null);
    assert.ok(alive(child), 'its root process runs on');

    // Root may; and stopping a whole job (the daemon ending what it started) still ends all of it.
    assert.equal((await h.cli(['kill', '-CONT', String(pid)])).code, 0, 'root signals it');
    assert.equal((await h.cli(['stop', `su0-${tag}`], { user: b })).code, 0);
    await waitFor('the stopped job\'s root process is gone', () => !alive(pid) || null);
    process.kill(child, 'SIGKILL');
  });

  test("root's current job (%+, %%, a bare kill %%) is root's own, not another user's newer one", async () => {
    const mineR = await h.cli(['run', '--bg', '--', 'sleep', '1011']);
    const rootN = Number(/^\[(\d+)\]/.exec(mineR.stdout)?.[1]);
    const theirs = await h.cli(['run', '--bg', '--', 'sleep', '1012'], { user: b });
    const bN = Number(/^\[(\d+)\]/.exec(theirs.stdout)?.[1]);
    assert.ok(rootN > 0 && bN > rootN, `root's %${rootN}, then B's newer %${bN}`);
    assert.match((await h.cli(['jobs', '%+'])).stdout, new RegExp(`^\\[${rootN}\\]\\+ +Running +sleep 1011 &$`, 'm'));
    assert.equal((await h.cli(['kill', '%%'])).code, 0);
    await waitFor('root\'s job ended', async () => /Terminated/.test((await h.cli(['jobs'])).stdout) || null);
    assert.match((await h.cli(['jobs'], { user: b })).stdout, new RegExp(`^\\[${bN}\\]\\+ +Running +sleep 1012 &$`, 'm'), 'B\'s job runs on');
    assert.equal((await h.cli(['kill', `%${bN}`], { user: b })).code, 0);
  });

  test("another user's at queue and crontab cannot be read or changed", async () => {
    const q = await h.cli(['atq', '--json'], { user: b });
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout), [], "B's atq is empty");
    sameAnswer(await h.cli(['at', '-c', String(atId)], { user: b }), await h.cli(['at', '-c', '99999'], { user: b }), String(atId), '99999');
    sameAnswer(await h.cli(['atrm', String(atId)], { user: b }), await h.cli(['atrm', '99999'], { user: b }), String(atId), '99999');
    const l = await h.cli(['crontab', '-l', '-u', A], { user: b });
    assert.notEqual(l.code, 0);
    assert.match(l.stderr, /must be privileged to use -u/);
    assert.ok(!l.stdout.includes('new-year'));
    const rm = await h.cli(['crontab', '-r', '-u', A], { user: b });
    assert.match(rm.stderr, /must be privileged to use -u/);
    const tab = h.write('b.cron', '* * * * * echo b\n');
    assert.match((await h.cli(['crontab', '-u', A, tab], { user: b })).stderr, /must be privileged to use -u/);
    // Nothing changed: A's job and crontab are there.
    assert.match((await h.cli(['atq'], { user: a })).stdout, new RegExp(`^${atId}\\s`, 'm'));
    assert.match((await h.cli(['crontab', '-l'], { user: a })).stdout, /new-year/);
    assert.match((await h.cli(['crontab', '-l', '-u', A])).stdout, /new-year/, "root reads A's crontab");
  });

  test('a control file loaded by a user may name only that user in user: and only their groups; run --user likewise', async () => {
    const bad = h.write('bad.yaml', `programs:\n  x-${tag}:\n    command: sleep 1\n    user: root\n  y-${tag}:\n    command: sleep 1\n    user: ${B}\n  z-${tag}:\n    command: sleep 1\n    unix_group: root\n`);
    const r = await h.cli(['up', bad], { user: a });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`bad\\.yaml:2:\\d+: programs\\.x-${tag}\\.user: a control file loaded by ${A} may only name ${A} in user:, got "root"`));
    assert.match(r.stderr, new RegExp(`bad\\.yaml:5:\\d+: programs\\.y-${tag}\\.user: .*got "${B}"`));
    assert.match(r.stderr, new RegExp(`bad\\.yaml:8:\\d+: programs\\.z-${tag}\\.unix_group: ${A} is not a member of group "root"`));
    // rlimits are set by the root helper: a user may lower them, not raise them past their own hard limits.
    const rl = h.write('rl.yaml', `programs:\n  rl-${tag}:\n    command: sleep 1\n    rlimits: { rtprio: 99, nofile: 64 }\n`);
    const r1 = await h.cli(['up', '--dry-run', rl], { user: a });
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, new RegExp(`rl\\.yaml:2:\\d+: programs\\.rl-${tag}\\.rlimits\\.rtprio: above your own hard limit \\(0\\)`));
    assert.doesNotMatch(r1.stderr, /rlimits\.nofile/, 'lowering nofile is fine');
    const ok = h.write('own.yaml', `programs:\n  own-${tag}:\n    command: sleep 1000\n    user: ${A}\n    unix_group: ${GROUP}\n    rlimits: { nofile: 64 }\n`);
    const r2 = await h.cli(['up', '--dry-run', ok], { user: a });
    assert.equal(r2.code, 0, `naming oneself and one's own group is fine: ${r2.stderr}`);
    const ru = await h.cli(['run', '--user', 'root', '--', 'id'], { user: a });
    assert.equal(ru.code, 1);
    assert.match(ru.stderr, /only root may run a job as another user/);
    // B's up replaces none of A's programs, and cannot take their names.
    const same = h.write('b.yaml', `programs:\n  web-${tag}:\n    command: sleep 5\n`);
    const r3 = await h.cli(['up', same], { user: b });
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /another user's program/);
    const empty = h.write('b-empty.yaml', 'programs: {}\n');
    await h.cli(['up', empty], { user: b });
    const st = JSON.parse((await h.cli(['status', '--json'], { user: a })).stdout) as { name: string; state: string }[];
    assert.equal(st.find((j) => j.name === `web-${tag}`)?.state, 'running', "A's program survived B's up");
  });

  test('at.allow/at.deny and cron.allow/cron.deny in the system home\'s etc are honoured as at and cron read them; root may always', async () => {
    const etc = join(h.dir, 'etc');
    writeFileSync(join(etc, 'at.deny'), `${B}\n`);
    const d = await h.cli(['atq'], { user: b });
    assert.equal(d.code, 1);
    assert.match(d.stderr, /You do not have permission to use at/);
    assert.equal((await h.cli(['atq'], { user: a })).code, 0, 'A is not in at.deny');
    writeFileSync(join(etc, 'at.allow'), `${B}\n`); // at.allow wins over at.deny
    assert.equal((await h.cli(['atq'], { user: b })).code, 0, 'B is in at.allow');
    assert.match((await h.cli(['atq'], { user: a })).stderr, /permission to use at/, 'A is not in at.allow');
    assert.equal((await h.cli(['atq'])).code, 0, 'root may always');
    writeFileSync(join(etc, 'cron.allow'), `${A}\n`);
    const c = await h.cli(['crontab', '-l'], { user: b });
    assert.equal(c.code, 1);
    assert.match(c.stderr, new RegExp(`You \\(${B}\\) are not allowed to use this program \\(crontab\\)`));
    assert.match((await h.cli(['crontab', '-l'], { user: a })).stdout, /new-year/);
    spawnSync('rm', ['-f', join(etc, 'at.allow'), join(etc, 'at.deny'), join(etc, 'cron.allow')]);
    // With neither file, at is root's only (at's rule) and crontab everyone's (Debian's).
    assert.match((await h.cli(['atq'], { user: a })).stderr, /permission to use at/);
    assert.equal((await h.cli(['crontab', '-l'], { user: b })).stderr.includes('not allowed'), false);
  });

  test('a user cannot stop the system daemon, start one, or find a stopped one started for them', async () => {
    const d = await h.cli(['down'], { user: b });
    assert.equal(d.code, 1);
    assert.match(d.stderr, /only the daemon's owner can stop it/);
    const start = await h.cli(['daemon'], { user: b, env: { APPINIT_SYSTEM_HOME: join(h.dir, 'other') } });
    assert.equal(start.code, 1);
    assert.match(start.stderr, /daemon --system must be started by root/);
    const none = await h.cli(['status'], { user: b, env: { APPINIT_SYSTEM_HOME: join(h.dir, 'other') } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no system daemon answers on .*a user cannot start the system daemon/);
    assert.equal(readFileSync(join(h.dir, 'lib', 'daemon.pid'), 'utf8').trim(), String(h.daemonPid()), 'the daemon still runs');
  });
});

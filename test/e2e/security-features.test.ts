// System daemon, the control-file features root's daemon acts on for whoever loads the file:
// `grants:` (appinit open), `listen:`, `ipc:`, `resources:`/`needs:`, `web:`, and runs through the
// dashboard. Two real users (useradd, removed at the end): a user's file that asks for more than
// the user could do is refused at file:line:col and changes nothing; root's same file works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from './harness.js';
import { makeUser, removeUsers, SystemHome, type TestUser } from './system-harness.js';

const isRoot = process.getuid?.() === 0;
const tag = `${process.pid % 100000}`;
const A = `apfa${tag}`; // owns things bob tries to take
const B = `apfb${tag}`; // bob, who tries
const KEY = 0x5a000000 + (process.pid % 65536) * 8;
const hex = (k: number) => `0x${k.toString(16)}`;

// The System V message queues the kernel has: key -> owner uid.
function queues(): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync('/proc/sysvipc/msg', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 8) out.set(Number(f[0]) >>> 0, Number(f[7]));
  }
  return out;
}

// A free TCP port (closed again at once), from the range asked for.
async function freePort(low = 0): Promise<number> {
  for (let p = low; ; p++) {
    const got = await new Promise<number | null>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen(low === 0 ? 0 : p, '127.0.0.1', () => { const a = s.address() as net.AddressInfo; s.close(() => resolve(a.port)); });
    });
    if (got != null) return got;
    if (low === 0 || p > low + 100) throw new Error(`no free port from ${low}`);
  }
}

// One JSON POST to the dashboard's API with a bearer token.
function postWeb(port: number, path: string, token: string, payload: unknown): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const q = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
    });
    q.on('error', reject);
    q.end(body);
  });
}

// A free UDP port (closed again at once).
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '0.0.0.0', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

describe('system daemon: a user\'s control file does only what the user could', { skip: isRoot ? false : 'needs root (creates users, runs the system daemon)' }, () => {
  const h = isRoot ? new SystemHome() : (null as unknown as SystemHome);
  let a: TestUser;
  let b: TestUser;

  before(async () => {
    a = makeUser(A);
    b = makeUser(B);
    await h.start();
  });

  after(async () => {
    try { await h.cleanup(); } finally {
      for (const k of [KEY, KEY + 1, KEY + 2]) spawnSync('ipcrm', ['-Q', hex(k)]);
      removeUsers([A, B]);
    }
  });

  // `up FILE` as a user; the file is written world-readable first.
  async function up(name: string, text: string, user?: TestUser): Promise<{ code: number; stderr: string; file: string }> {
    const file = h.write(name, text);
    const r = await h.cli(['up', file], user ? { user } : {});
    return { code: r.code, stderr: r.stderr, file };
  }

  async function programsOf(user?: TestUser): Promise<string[]> {
    const r = await h.cli(['status', '--json'], user ? { user } : {});
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { name: string; pid: number | null }[];
    for (const j of list) h.saw(j.pid);
    return list.map((j) => j.name);
  }

  test('grants: a user\'s file grants nothing; appinit open of /etc/shadow fails; root\'s grant to the user works', async () => {
    const secret = join(h.dir, 'root-secret.txt');
    writeFileSync(secret, 'only root may read this\n', { mode: 0o600 });
    const text = `programs:\n  gb-${tag}:\n    command: sleep 1000\n    grants: [/etc/shadow, ${secret}]\n`;
    const bad = await up('grants-b.yaml', text, b);
    assert.notEqual(bad.code, 0, 'bob\'s grants: are refused');
    assert.match(bad.stderr, new RegExp(`${bad.file}:4:\\d+: programs\\.gb-${tag}\\.grants: only root may grant files`), bad.stderr);
    assert.ok(!(await programsOf(b)).includes(`gb-${tag}`), 'the refused file changed nothing');
    for (const path of ['/etc/shadow', secret]) {
      const o = await h.cli(['open', path], { user: b });
      assert.notEqual(o.code, 0, `bob may not open ${path}: ${o.stdout}`);
      assert.doesNotMatch(o.stdout, /root:|only root/, 'nothing of the file reached bob');
      assert.match(o.stderr, /no program's grants: allow/, o.stderr);
    }
    // Root's file may grant the secret to a program of bob's: bob reads it through the daemon.
    const good = await up('grants-root.yaml', `programs:\n  gr-${tag}:\n    command: sleep 1000\n    user: ${B}\n    grants: [${secret}]\n`);
    assert.equal(good.code, 0, `root's grants: ${good.stderr}`);
    const o = await h.cli(['open', secret], { user: b });
    assert.equal(o.code, 0, `root granted it: ${o.stderr}`);
    assert.equal(o.stdout, 'only root may read this\n');
    const shadow = await h.cli(['open', '/etc/shadow'], { user: b });
    assert.notEqual(shadow.code, 0, 'still not /etc/shadow');
    const alice = await h.cli(['open', secret], { user: a });
    assert.notEqual(alice.code, 0, 'a grant to bob\'s program is not one to alice');
  });

  test('listen: no port below ip_unprivileged_port_start, unix: only where the user could create a file, no other user\'s socket; the socket file is the user\'s', async () => {
    const lowest = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    const rootDir = join(h.dir, 'root-only');
    mkdirSync(rootDir, { mode: 0o755 });
    const bobDir = join(h.dir, 'bob-dir');
    mkdirSync(bobDir, { mode: 0o755 });
    chownSync(bobDir, b.uid, b.gid);
    const alicePort = await freePort();
    const aliceUdp = await freeUdpPort();
    const al = await up('listen-a.yaml', `programs:\n  la-${tag}:\n    command: sleep 1000\n    listen: ["tcp://127.0.0.1:${alicePort}", "udp://0.0.0.0:${aliceUdp}"]\n`, a);
    assert.equal(al.code, 0, al.stderr);
    await waitFor('alice\'s program runs (its sockets are bound)', async () => {
      const st = JSON.parse((await h.cli(['status', '--json'], { user: a })).stdout) as { name: string; state: string; pid: number | null }[];
      const j = st.find((x) => x.name === `la-${tag}`);
      h.saw(j?.pid);
      return j?.state === 'running' || null;
    });
    // Bob's own process cannot bind beside alice's UDP socket (the helper sets no SO_REUSEADDR on UDP).
    const steal = spawnSync('python3', ['-c', `import socket;t=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);t.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);t.bind(('127.0.0.1',${aliceUdp}));print('bound')`], { uid: b.uid, gid: b.gid, encoding: 'utf8' });
    assert.notEqual(steal.stdout.trim(), 'bound', 'bob bound alice\'s UDP port beside her socket');
    assert.match(steal.stderr, /Address already in use/, steal.stderr);

    const lowPort = lowest > 1 ? await freePort(Math.max(1, lowest - 200)) : 0;
    const lines = [
      `programs:`,
      `  lb-${tag}:`,
      `    command: sleep 1000`,
      `    listen: [${[lowPort && lowPort < lowest ? `"tcp://127.0.0.1:${lowPort}"` : '', `"unix:${rootDir}/b.sock"`, `"tcp://*:${alicePort}"`].filter(Boolean).join(', ')}]`,
    ];
    const bad = await up('listen-b.yaml', lines.join('\n') + '\n', b);
    assert.notEqual(bad.code, 0, 'bob\'s listen: is refused');
    const at = new RegExp(`${bad.file}:4:\\d+: programs\\.lb-${tag}\\.listen: `);
    assert.match(bad.stderr, at, bad.stderr);
    if (lowPort && lowPort < lowest) assert.match(bad.stderr, new RegExp(`tcp://127.0.0.1:${lowPort}: ports below ${lowest} are root's`));
    assert.match(bad.stderr, new RegExp(`unix:${rootDir}/b.sock: you cannot create files in ${rootDir}`), bad.stderr);
    assert.match(bad.stderr, new RegExp(`tcp://\\*:${alicePort} is a socket of another user's program`), bad.stderr);
    assert.ok(!(await programsOf(b)).includes(`lb-${tag}`), 'nothing changed');
    assert.ok(!existsSync(join(rootDir, 'b.sock')), 'no socket file was made');

    // In bob's own directory: the socket is made, and it is bob's.
    const ok = await up('listen-b2.yaml', `programs:\n  lb2-${tag}:\n    command: sleep 1000\n    listen: ["unix:${bobDir}/b.sock"]\n`, b);
    assert.equal(ok.code, 0, ok.stderr);
    const st = await waitFor(`${bobDir}/b.sock was made`, () => { try { return statSync(join(bobDir, 'b.sock')); } catch { return null; } });
    assert.ok(st.isSocket());
    assert.equal(st.uid, b.uid, 'the socket file is bob\'s, not root\'s');

    // Root's file binds below the line and in root's directory.
    const rootLines = [...lines.slice(0, 3), `    listen: [${[lowPort && lowPort < lowest ? `"tcp://127.0.0.1:${lowPort}"` : '', `"unix:${rootDir}/r.sock"`].filter(Boolean).join(', ')}]`];
    const r = await up('listen-root.yaml', rootLines.join('\n').replace(`lb-${tag}`, `lr-${tag}`) + '\n');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(`root's ${rootDir}/r.sock was made`, () => existsSync(join(rootDir, 'r.sock')) || null);
    assert.equal(statSync(join(rootDir, 'r.sock')).uid, 0);
    // Root's file may put a socket for bob's program where only root can create files (systemd's socket units do).
    const ru = await up('listen-root-user.yaml', `programs:\n  lru-${tag}:\n    command: sleep 1000\n    user: ${B}\n    listen: ["unix:${rootDir}/ru.sock"]\n`);
    assert.equal(ru.code, 0, ru.stderr);
    await waitFor(`root's ${rootDir}/ru.sock for bob's program was made`, () => existsSync(join(rootDir, 'ru.sock')) || null);
  });

  test('fifos: a user\'s FIFO only where the user could make a file, and the user\'s (when fifos: exists)', async (t) => {
    const rootDir = join(h.dir, 'root-fifos');
    mkdirSync(rootDir, { mode: 0o755 });
    const bobDir = join(h.dir, 'bob-fifos');
    mkdirSync(bobDir, { mode: 0o755 });
    chownSync(bobDir, b.uid, b.gid);
    const file = (dir: string, name: string) => `fifos:\n  f1: { path: ${dir}/f1 }\nprograms:\n  ${name}:\n    command: sleep 1000\n    stdin: { fifo: f1 }\n`;
    const bad = await up('fifo-b.yaml', file(rootDir, `fb-${tag}`), b);
    if (/fifos|stdin/.test(bad.stderr) && /unknown|expected/.test(bad.stderr) && !/could create/.test(bad.stderr)) {
      t.skip(`fifos: is not in this build yet (pipes): ${bad.stderr.trim()}`);
      return;
    }
    assert.notEqual(bad.code, 0, 'refused');
    assert.match(bad.stderr, new RegExp(`${bad.file}:6:\\d+: fifos\\.f1: ${rootDir}/f1: you cannot create files in ${rootDir}`), bad.stderr);
    assert.ok(!existsSync(join(rootDir, 'f1')), 'no FIFO was made');
    assert.ok(!(await programsOf(b)).includes(`fb-${tag}`), 'nothing changed');
    const ok = await up('fifo-b2.yaml', file(bobDir, `fb2-${tag}`), b);
    assert.equal(ok.code, 0, ok.stderr);
    const st = statSync(join(bobDir, 'f1'));
    assert.ok(st.isFIFO());
    assert.equal(st.uid, b.uid, 'the FIFO is bob\'s');
    const r = await up('fifo-root.yaml', file(rootDir, `fr-${tag}`));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(statSync(join(rootDir, 'f1')).isFIFO());
    // Each user's `up` makes and removes only its own file's FIFOs: root's load left bob's alone.
    assert.ok(statSync(join(bobDir, 'f1')).isFIFO(), 'root\'s up removed bob\'s FIFO');
  });

  test('stdio files: a user\'s stdin:, stdout: and stderr: files are opened with the user\'s rights', async () => {
    const rootDir = join(h.dir, 'root-stdio');
    mkdirSync(rootDir, { mode: 0o755 });
    const secret = join(rootDir, 'secret');
    writeFileSync(secret, 'root secret\n', { mode: 0o600 });
    const victim = join(rootDir, 'victim');
    writeFileSync(victim, 'root data\n', { mode: 0o644 });
    const bobDir = join(h.dir, 'bob-stdio');
    mkdirSync(bobDir, { mode: 0o755 });
    chownSync(bobDir, b.uid, b.gid);
    const stdin = await up('stdio-b.yaml', `programs:\n  sa-${tag}:\n    command: cat\n    stdin: ${secret}\n    stdout: ${bobDir}/got\n`, b);
    assert.notEqual(stdin.code, 0, 'bob may not read root\'s file through stdin:');
    assert.match(stdin.stderr, new RegExp(`${stdin.file}:\\d+:\\d+: programs\\.sa-${tag}\\.stdin: ${secret}: permission denied`), stdin.stderr);
    const out = await up('stdio-b2.yaml', `programs:\n  sb-${tag}:\n    command: echo overwritten\n    restart: never\n    stdout: ${victim}\n    stderr: ${rootDir}/new\n`, b);
    assert.notEqual(out.code, 0, 'bob may not write root\'s files through stdout: or stderr:');
    assert.match(out.stderr, new RegExp(`programs\\.sb-${tag}\\.stdout: ${victim}: permission denied`), out.stderr);
    assert.ok(!(await programsOf(b)).some((n) => n.startsWith('s')), 'nothing changed');
    assert.equal(readFileSync(victim, 'utf8'), 'root data\n', `bob wrote root's file through stdout: (${out.code}: ${out.stderr})`);
    assert.ok(!existsSync(join(rootDir, 'new')), `bob made a file in root's directory through stderr: (${out.code}: ${out.stderr})`);
    assert.ok(!existsSync(join(bobDir, 'got')), 'nothing changed');
  });

  test('ipc: objects are the loader\'s; another user\'s key or user is refused; one user\'s up leaves the others\' objects', async () => {
    const aq = await up('ipc-a.yaml', `ipc:\n  qa-${tag}: { queue: { key: ${hex(KEY)}, mode: 0600 } }\nprograms:\n  ia-${tag}:\n    command: sleep 1000\n`, a);
    assert.equal(aq.code, 0, aq.stderr);
    assert.equal(queues().get(KEY), a.uid, 'alice\'s queue is alice\'s');
    const text = [
      `ipc:`,
      `  qb-${tag}: { queue: { key: ${hex(KEY)}, mode: 0600 } }`,
      `  qc-${tag}: { queue: { key: ${hex(KEY + 1)}, mode: 0600 }, user: ${A} }`,
      `programs:`,
      `  ib-${tag}:`,
      `    command: sleep 1000`,
    ].join('\n') + '\n';
    const bad = await up('ipc-b.yaml', text, b);
    assert.notEqual(bad.code, 0, 'refused');
    assert.match(bad.stderr, new RegExp(`${bad.file}:2:\\d+: ipc\\.qb-${tag}: key ${hex(KEY)} names an existing object of uid ${a.uid} \\(mode 0600\\) you have no access to`), bad.stderr);
    assert.match(bad.stderr, new RegExp(`${bad.file}:3:\\d+: ipc\\.qc-${tag}: a control file loaded by ${B} may only name ${B}`), bad.stderr);
    assert.ok(!queues().has(KEY + 1), 'nothing was made');
    assert.ok(!(await programsOf(b)).includes(`ib-${tag}`), 'nothing changed');
    // Names of ipc: objects are the daemon's: alice's name is not bob's to take (nor replace).
    const clash = await up('ipc-b3.yaml', `ipc:\n  qa-${tag}: { queue: { key: private } }\n`, b);
    assert.notEqual(clash.code, 0, 'refused');
    assert.match(clash.stderr, new RegExp(`${clash.file}:2:\\d+: ipc\\.qa-${tag}: "qa-${tag}" is the name of another user's System V object`), clash.stderr);
    // Bob's own object, in a file without programs: bob's, and alice's queue stays.
    const own = await up('ipc-b2.yaml', `ipc:\n  qd-${tag}: { queue: { key: ${hex(KEY + 2)}, mode: 0600 } }\n`, b);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(queues().get(KEY + 2), b.uid, 'the queue bob\'s file made is bob\'s');
    assert.equal(queues().get(KEY), a.uid, 'bob\'s up left alice\'s queue alone');
    // Root's file may use alice's key.
    const r = await up('ipc-root.yaml', `ipc:\n  qr-${tag}: { queue: { key: ${hex(KEY)}, mode: 0600 } }\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(queues().get(KEY + 2), b.uid, 'root\'s up left bob\'s queue alone');
  });

  test('resources and needs: another user\'s resource without permission is refused; a user\'s resources are theirs', async () => {
    const ar = await up('res-a.yaml', `resources:\n  lk-${tag}: mutex\n  sh-${tag}: { mutex: true, mode: 0666 }\n`, a);
    assert.equal(ar.code, 0, ar.stderr);
    const text = [
      `resources:`,
      `  lk-${tag}: mutex`,
      `  sh-${tag}: { mutex: true, mode: 0666 }`,
      `  bo-${tag}: mutex`,
      `programs:`,
      `  rb-${tag}:`,
      `    command: sleep 1000`,
      `    needs: { lk-${tag}: 1 }`,
    ].join('\n') + '\n';
    const bad = await up('res-b.yaml', text, b);
    assert.notEqual(bad.code, 0, 'refused');
    assert.match(bad.stderr, new RegExp(`${bad.file}:2:\\d+: resources\\.lk-${tag}: lk-${tag} exists and is uid ${a.uid}'s \\(mode 0600\\): you have no permission`), bad.stderr);
    assert.match(bad.stderr, new RegExp(`${bad.file}:8:\\d+: programs\\.rb-${tag}\\.needs\\.lk-${tag}: lk-${tag}: permission denied`), bad.stderr);
    assert.doesNotMatch(bad.stderr, new RegExp(`resources\\.sh-${tag}`), 'a resource open to everyone (0666) may be used');
    const list = () => h.request('GET', '/v1/resources').then((r) => (JSON.parse(r.body) as { resources: { name: string; uid: number }[] }).resources);
    assert.ok(!(await list()).some((r) => r.name === `bo-${tag}`), 'nothing was made');
    assert.ok(!(await programsOf(b)).includes(`rb-${tag}`), 'nothing changed');
    const own = await up('res-b2.yaml', `resources:\n  bo-${tag}: mutex\n  sh-${tag}: { mutex: true, mode: 0666 }\nprograms:\n  rb2-${tag}:\n    command: sleep 1000\n    needs: { bo-${tag}: 1, sh-${tag}: 1 }\n`, b);
    assert.equal(own.code, 0, own.stderr);
    assert.equal((await list()).find((r) => r.name === `bo-${tag}`)?.uid, b.uid, 'bob\'s resource is bob\'s');
    // Root's file may not declare a user's resource: root's programs would wait on that user
    // (a lock taken before root's up, squatting the name). Refused at its place, nothing made.
    const r = await up('res-root.yaml', text.replace(`rb-${tag}`, `rr-${tag}`).replace(/\n {2}bo-[^\n]*/, ''));
    assert.notEqual(r.code, 0, `root's same file is refused: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${r.file}:2:\\d+: resources\\.lk-${tag}: lk-${tag} exists and is uid ${a.uid}'s \\(${A}\\): root's programs would wait on that user; remove it first \\(appinit ipcrm lk-${tag}\\)`), r.stderr);
    assert.ok(!(await programsOf()).includes(`rr-${tag}`), 'nothing changed');
    const squat = h.cli(['lock', `sq-${tag}`, '--', 'sleep', '4'], { user: b });
    await waitFor(`bob holds sq-${tag}`, async () => (await list()).some((x) => x.name === `sq-${tag}`));
    const sq = await up('res-sq.yaml', `resources:\n  sq-${tag}: mutex\nprograms:\n  rsq-${tag}:\n    command: sleep 1000\n    needs: [sq-${tag}]\n`);
    assert.notEqual(sq.code, 0, `root's up over bob's lock is refused: ${sq.stderr}`);
    assert.match(sq.stderr, new RegExp(`resources\\.sq-${tag}: sq-${tag} exists and is uid ${b.uid}'s \\(${B}\\)`), sq.stderr);
    assert.equal((await squat).code, 0);
    assert.equal((await h.cli(['ipcrm', `sq-${tag}`])).code, 0);
    const again = await up('res-sq.yaml', `resources:\n  sq-${tag}: mutex\nprograms: {}\n`);
    assert.equal(again.code, 0, `root's up once the name is free: ${again.stderr}`);
    assert.equal((await list()).find((x) => x.name === `sq-${tag}`)?.uid, 0, "now root's");
  });

  test('web: a user\'s file and a user\'s request cannot open or move the dashboard; a run through the dashboard runs as its token\'s user', async () => {
    const port = await freePort();
    const text = `web: { listen: "127.0.0.1:${port}" }\nprograms:\n  wb-${tag}:\n    command: sleep 1000\n`;
    const bad = await up('web-b.yaml', text, b);
    assert.notEqual(bad.code, 0, 'refused');
    assert.match(bad.stderr, new RegExp(`${bad.file}:1:1: web: only the daemon's owner \\(root\\) decides where the dashboard listens`), bad.stderr);
    assert.ok(!(await programsOf(b)).includes(`wb-${tag}`), 'nothing changed');
    const moved = await h.cli(['web', '--listen', `127.0.0.1:${port}`], { user: b });
    assert.notEqual(moved.code, 0, 'bob cannot start the dashboard');
    assert.match(moved.stderr, /only the daemon's owner can start or move the dashboard/);
    const closed = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); resolve(false); }).once('error', () => resolve(true)));
    assert.ok(closed, 'nothing listens where bob asked');
    const r = await up('web-root.yaml', text.replace(`wb-${tag}`, `wr-${tag}`));
    assert.equal(r.code, 0, r.stderr);
    await waitFor(`the dashboard listens on ${port}`, () => new Promise<boolean | null>((resolve) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); resolve(true); }).once('error', () => resolve(null))));
    // Bob's own token (GET /v1/web as bob), and a run through the dashboard's API with it.
    const view = await h.cli(['web', '--json'], { user: b });
    assert.equal(view.code, 0, view.stderr);
    const token = (JSON.parse(view.stdout) as { tokens: { operator: string } }).tokens.operator;
    const marks = join(h.dir, 'web-marks');
    mkdirSync(marks, { mode: 0o777 });
    chmodSync(marks, 0o777);
    const answer = await postWeb(port, '/api/v1/run', token, { argv: ['sh', '-c', `id -u > ${marks}/id; id -g >> ${marks}/id`], cwd: '/' });
    assert.equal(answer.status, 200, answer.body);
    const ids = await waitFor('the job run through the dashboard wrote its ids', () => { try { const t = readFileSync(join(marks, 'id'), 'utf8'); return t.split('\n').length >= 3 ? t : null; } catch { return null; } });
    assert.equal(ids, `${b.uid}\n${b.gid}\n`, 'the job ran as bob, not as root');
    // `up` through the dashboard goes through the same checks as on the socket.
    const upAnswer = await postWeb(port, '/api/v1/up', token, { file: '/web/grants.yaml', baseDir: '/', text: `programs:\n  wg-${tag}:\n    command: sleep 1000\n    grants: [/etc/shadow]\n` });
    assert.equal(upAnswer.status, 400, upAnswer.body);
    assert.match(upAnswer.body, /\/web\/grants.yaml:4:\d+: programs\.wg-\d+\.grants: only root may grant files/, upAnswer.body);
    const root = await h.cli(['web', '--json']);
    assert.equal(root.code, 0, root.stderr);
  });
});

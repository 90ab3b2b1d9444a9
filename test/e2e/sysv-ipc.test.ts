// A control file's `ipc:` objects with a real daemon: made before the programs start, their ids in
// APPINIT_IPC_<NAME>, checked against an existing key (an error naming the object, nothing
// changed), removed when the file drops them, on `down`, and after a crash at the next start;
// owned by the programs' user when they run as another one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GETALL, IPC_CREAT, IPC_EXCL, IPC_RMID, IPC_STAT, msgctl, msgget, semctl, shmctl } from '../../src/sysv.js';
import { TestHome, waitFor } from './harness.js';

const h = new TestHome();
const base = 0x5b000000 + ((process.pid & 0xfff) << 8);
const made: { kind: 'msg' | 'sem' | 'shm'; id: number }[] = [];
after(async () => {
  await h.cli(['down']);
  await h.cleanup();
  for (const { kind, id } of made) {
    try { if (kind === 'msg') msgctl(id, IPC_RMID); else if (kind === 'sem') semctl(id, 0, IPC_RMID); else shmctl(id, IPC_RMID); } catch { /* gone */ }
  }
});

const exists = (kind: 'msg' | 'sem' | 'shm', id: number) => {
  try { (kind === 'msg' ? msgctl(id, IPC_STAT) : kind === 'sem' ? semctl(id, 0, IPC_STAT) : shmctl(id, IPC_STAT)); return true; } catch { return false; }
};

const file = (objects: string, user = '') => `ipc:\n${objects}programs:\n  app:\n    command: sh -c 'env | grep ^APPINIT_IPC_ | sort > ${h.home}/env.txt; exec sleep 1000'\n${user}`;
const JOBS = `  jobs:   { queue: { key: ${'0x' + (base + 1).toString(16)}, mode: 0600, maxBytes: 8KB } }\n`;
const COUNTS = '  counts: { semaphores: { key: private, count: 2, values: [1, 0] } }\n';
const BOARD = '  board:  { shm: { size: 4KB } }\n';

function env(): Record<string, string> {
  return Object.fromEntries(readFileSync(join(h.home, 'env.txt'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
}

describe('ipc: in the control file', () => {
  let ids: { jobs: number; counts: number; board: number };

  test('objects exist before the program starts, with the file\'s settings, and their ids are in its environment', async () => {
    await h.up(file(JOBS + COUNTS + BOARD));
    await waitFor('the program to write its environment', () => existsSync(join(h.home, 'env.txt')) && readFileSync(join(h.home, 'env.txt'), 'utf8').includes('BOARD'));
    const e = env();
    ids = { jobs: Number(e.APPINIT_IPC_JOBS), counts: Number(e.APPINIT_IPC_COUNTS), board: Number(e.APPINIT_IPC_BOARD) };
    made.push({ kind: 'msg', id: ids.jobs }, { kind: 'sem', id: ids.counts }, { kind: 'shm', id: ids.board });
    assert.equal(e.APPINIT_IPC_JOBS_KEY, `0x${(base + 1).toString(16).padStart(8, '0')}`);
    assert.equal(e.APPINIT_IPC_COUNTS_KEY, '0x00000000');
    assert.equal(msgget(base + 1, 0), ids.jobs);
    const q = msgctl(ids.jobs, IPC_STAT);
    assert.deepEqual([q.msg_perm.mode & 0o777, q.msg_qbytes], [0o600, 8192]);
    assert.deepEqual(semctl(ids.counts, 0, GETALL), [1, 0]);
    assert.equal(shmctl(ids.board, IPC_STAT).shm_segsz, 4096);
  });

  test('an up that changes nothing keeps the objects (and the program)', async () => {
    const r = await h.up(file(JOBS + COUNTS + BOARD));
    assert.match(r.stdout, /= app/);
    assert.equal(msgget(base + 1, 0), ids.jobs);
    assert.equal(exists('shm', ids.board), true);
  });

  test('a key that exists with other settings: an error naming the object and its line, nothing changed', async () => {
    const other = msgget(base + 2, IPC_CREAT | IPC_EXCL | 0o644);
    made.push({ kind: 'msg', id: other });
    const r = await h.cli(['up', h.write('appinit.yaml', file(JOBS + COUNTS + BOARD + `  other:  { queue: { key: ${base + 2}, mode: 0600 } }\n`))]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /appinit\.yaml:5:3: ipc\.other: a message queue with key 0x[0-9a-f]{8} exists \(id \d+\) with mode 0644 \(the file says 0600\)/);
    assert.equal(exists('msg', ids.jobs) && exists('sem', ids.counts) && exists('shm', ids.board), true, 'the loaded objects are untouched');
    assert.equal(msgctl(other, IPC_STAT).msg_perm.mode & 0o777, 0o644, 'the other queue is untouched');
  });

  test('an object removed from the file is removed from the kernel', async () => {
    await h.up(file(JOBS + COUNTS));
    assert.equal(exists('shm', ids.board), false);
    assert.equal(exists('msg', ids.jobs), true);
  });

  test('a crash of the daemon with nothing running: the next start removes what it left', async () => {
    await h.cli(['stop', 'all']);
    process.kill(h.daemonPid(), 'SIGKILL');
    await waitFor('the daemon to die', () => { try { process.kill(h.daemonPid(), 0); return false; } catch { return true; } });
    assert.equal(exists('msg', ids.jobs), true, 'still there after the crash');
    h.reconnect();
    assert.equal((await h.cli(['info'])).code, 0);
    assert.equal(exists('msg', ids.jobs), false);
    assert.equal(exists('sem', ids.counts), false);
  });

  test('down removes them; programs running as another user get objects that user owns', async () => {
    // A file the program's user cannot run (its cwd is the test home, closed to nobody) makes nothing.
    const bad = await h.cli(['up', h.write('appinit.yaml', file(JOBS + BOARD, '    user: nobody\n'))]);
    assert.notEqual(bad.code, 0, bad.stderr);
    assert.throws(() => msgget(base + 1, 0), /ENOENT/, 'the queue made for a file that failed to load is removed again');
    await h.up(file(JOBS + BOARD, '    user: nobody\n    cwd: /\n'));
    const q = msgget(base + 1, 0);
    made.push({ kind: 'msg', id: q });
    const nobody = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))!.split(':')[2]);
    assert.equal(msgctl(q, IPC_STAT).msg_perm.uid, nobody);
    await h.cli(['down']);
    assert.equal(exists('msg', q), false);
  });
});

describe('appinit ipcs / ipcrm with appinit\'s own resources', () => {
  test('a semaphore made with appinit sem is listed in its own section and removed by name', async () => {
    assert.equal((await h.cli(['sem', 'gate', 'create', '2'])).code, 0);
    const l = (await h.cli(['ipcs', '-s'])).stdout;
    assert.match(l, /^------ Semaphore Arrays --------$/m);
    assert.match(l, /^------ appinit Semaphores --------\n.*\ngate +\S+ +600 +2 /m);
    assert.doesNotMatch(l, /^------ Message Queues/m, '-s lists only the kernel\'s semaphore arrays');
    const r = await h.cli(['ipcrm', 'gate']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch((await h.cli(['ipcs'])).stdout, /^gate /m);
    const again = await h.cli(['ipcrm', 'gate']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^appinit ipcrm: .*gate/m);
  });

  test('ipcrm of several names takes each on its own: a missing one is said, the others go (as util-linux takes ids)', async () => {
    for (const n of ['ra', 'rb']) assert.equal((await h.cli(['sem', n, 'create', '1'])).code, 0);
    const r = await h.cli(['ipcrm', 'ra', 'nosuch', 'rb']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^appinit ipcrm: .*nosuch/m);
    assert.doesNotMatch(r.stderr, /\bra\b|\brb\b/);
    const left = (await h.cli(['ipcs', '-s'])).stdout;
    assert.doesNotMatch(left, /^r[ab] /m, 'ra and rb were removed');
  });
});

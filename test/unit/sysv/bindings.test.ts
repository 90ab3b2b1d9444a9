// appinit/sysv inside one process: the seed's type rules, flags, semctl commands, errors as
// exceptions with errno names, and shared memory that throws instead of SIGSEGV after shmdt.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_SET, IPC_STAT, SETALL, SETVAL,
  SysvError, ftok, msgctl, msgget, msgrcv, msgsnd, semctl, semget, semop, shmat, shmctl, shmdt, shmget, isDetached,
} from '../../../src/sysv.js';
import { Ledger, until } from './kit.js';

const ledger = new Ledger();
after(() => ledger.cleanup());

const code = (c: string) => (e: unknown) => e instanceof SysvError && e.code === c && typeof e.errno === 'number';

describe('message queues', () => {
  test('types 3, 1, 2 received with types 0, 2, -2 come out as 3, 2, 1 (the seed)', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    for (const t of [3, 1, 2]) await msgsnd(id, t, `type ${t}`);
    const got = [];
    for (const t of [0, 2, -2]) got.push(await msgrcv(id, t));
    assert.deepEqual(got.map((m) => [m.type, m.data.toString()]), [[3, 'type 3'], [2, 'type 2'], [1, 'type 1']]);
  });

  test('IPC_STAT is typed: qnum, cbytes, lspid, lrpid, perm; IPC_SET changes mode and qbytes', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o640));
    await msgsnd(id, 1, 'Testnachricht');
    const st = msgctl(id, IPC_STAT);
    assert.equal(st.msg_qnum, 1);
    assert.equal(st.__msg_cbytes, 13);
    assert.equal(st.msg_lspid, process.pid);
    assert.equal(st.msg_lrpid, 0);
    assert.equal(st.msg_perm.mode, 0o640);
    assert.equal(st.msg_perm.uid, process.getuid!());
    msgctl(id, IPC_SET, { mode: 0o600, msg_qbytes: 4096 });
    const st2 = msgctl(id, IPC_STAT);
    assert.equal(st2.msg_perm.mode, 0o600);
    assert.equal(st2.msg_qbytes, 4096);
  });

  test('E2BIG without MSG_NOERROR, truncation with it; MSG_EXCEPT; ENOMSG with nowait', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    await msgsnd(id, 5, 'a long message');
    await assert.rejects(msgrcv(id, 0, { maxBytes: 4 }), code('E2BIG'));
    assert.equal((await msgrcv(id, 0, { maxBytes: 6, noerror: true })).data.toString(), 'a long');
    await msgsnd(id, 7, 'seven');
    await msgsnd(id, 8, 'eight');
    assert.equal((await msgrcv(id, 7, { except: true })).type, 8);
    await assert.rejects(msgrcv(id, 9, { nowait: true }), code('ENOMSG'));
  });

  test('a blocked receive resolves when a message comes, and IPC_RMID rejects it with EIDRM', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    const waiting = msgrcv(id, 4);
    await msgsnd(id, 3, 'not this one');
    await msgsnd(id, 4, 'this one');
    assert.equal((await waiting).data.toString(), 'this one');
    const doomed = msgrcv(id, 99);
    msgctl(id, IPC_RMID);
    await assert.rejects(doomed, code('EIDRM'));
  });

  test('a send on a full queue waits, and nowait gives EAGAIN', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    msgctl(id, IPC_SET, { msg_qbytes: 16 });
    await msgsnd(id, 1, Buffer.alloc(16));
    await assert.rejects(msgsnd(id, 1, 'x', { nowait: true }), code('EAGAIN'));
    let sent = false;
    const p = msgsnd(id, 2, 'queued').then(() => (sent = true));
    assert.equal(sent, false);
    await msgrcv(id, 1);
    await p;
    assert.equal((await msgrcv(id, 0)).data.toString(), 'queued');
  });

  test('keys: ftok as in C, IPC_EXCL on an existing key gives EEXIST, no key gives ENOENT', () => {
    const key = ftok('/etc/hosts', 0x61);
    assert.equal(typeof key, 'number');
    assert.throws(() => ftok('/nonexistent/appinit', 1), code('ENOENT'));
    const k = 0x7a5e0000 + (process.pid & 0xffff);
    const id = ledger.add('msg', msgget(k, IPC_CREAT | IPC_EXCL | 0o600));
    assert.equal(msgget(k, 0), id);
    assert.throws(() => msgget(k, IPC_CREAT | IPC_EXCL | 0o600), code('EEXIST'));
    msgctl(id, IPC_RMID);
    assert.throws(() => msgget(k, 0), code('ENOENT'));
  });
});

describe('semaphore sets', () => {
  test('SETVAL/GETVAL, SETALL/GETALL, GETPID, IPC_STAT', async () => {
    const id = ledger.add('sem', semget(IPC_PRIVATE, 3, IPC_CREAT | 0o600));
    semctl(id, 0, SETALL, [1, 2, 3]);
    assert.deepEqual(semctl(id, 0, GETALL), [1, 2, 3]);
    semctl(id, 1, SETVAL, 7);
    assert.equal(semctl(id, 1, GETVAL), 7);
    await semop(id, [{ num: 2, op: -3 }]);
    assert.equal(semctl(id, 2, GETPID), process.pid);
    assert.equal(semctl(id, 0, IPC_STAT).sem_nsems, 3);
    assert.throws(() => semctl(id, 0, SETALL, [1]), RangeError);
  });

  test('P waits for V (GETNCNT shows the waiter); wait-for-zero waits for 0 (GETZCNT)', async () => {
    const id = ledger.add('sem', semget(IPC_PRIVATE, 2, IPC_CREAT | 0o600));
    const p = semop(id, [{ num: 0, op: -1 }]);
    await until(() => semctl(id, 0, GETNCNT) === 1, 'GETNCNT 1 while P waits');
    await semop(id, [{ num: 0, op: 1 }]);
    await p;
    semctl(id, 1, SETVAL, 2);
    let zero = false;
    const z = semop(id, [{ num: 1, op: 0 }]).then(() => (zero = true));
    await until(() => semctl(id, 1, GETZCNT) === 1, 'GETZCNT 1 while waiting for zero');
    await semop(id, [{ num: 1, op: -1 }]);
    assert.equal(zero, false, 'still 1: not zero yet');
    await semop(id, [{ num: 1, op: -1 }]);
    await z;
    await assert.rejects(semop(id, [{ num: 0, op: -1, nowait: true }]), code('EAGAIN'));
    await assert.rejects(semop(id, [{ num: 0, op: -1 }], { timeout: 20 }), code('EAGAIN'));
  });

  test('IPC_RMID wakes a blocked semop with EIDRM', async () => {
    const id = ledger.add('sem', semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600));
    const p = semop(id, [{ num: 0, op: -1 }]);
    await until(() => semctl(id, 0, GETNCNT) === 1, 'the semop to block');
    semctl(id, 0, IPC_RMID);
    await assert.rejects(p, code('EIDRM'));
  });
});

describe('shared memory', () => {
  test('a Buffer over the segment; after shmdt it throws instead of SIGSEGV, and nattch drops', () => {
    const id = ledger.add('shm', shmget(IPC_PRIVATE, 20, IPC_CREAT | 0o600));
    const a = shmat(id);
    const b = shmat(id);
    assert.equal(a.length, 20);
    a.write('Hallo Welt.');
    assert.equal(b.toString('utf8', 0, 11), 'Hallo Welt.', 'the second attachment sees the first one\'s write');
    assert.equal(shmctl(id, IPC_STAT).shm_nattch, 2);
    const view = a.subarray(6);
    shmdt(a);
    assert.equal(isDetached(a), true);
    assert.equal(shmctl(id, IPC_STAT).shm_nattch, 1);
    assert.throws(() => a.readUInt8(0), RangeError);
    assert.throws(() => view.readUInt32LE(0), RangeError);
    assert.throws(() => a.fill(1), TypeError);
    assert.equal(a.length, 0);
    assert.throws(() => shmdt(a), code('EINVAL'));
    shmdt(b);
    assert.equal(shmctl(id, IPC_STAT).shm_nattch, 0);
  });
});

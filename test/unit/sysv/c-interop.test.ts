// appinit/sysv and C programs on the same keys, both ways: the seed's "Testnachricht" queue (ipcs
// shows 13 bytes, 1 message), the 20-byte segment 0x00003039 holding "Hallo Welt.", SEM_UNDO
// given back by the kernel when a process dies (Node's and C's), and blocking calls answered by C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  GETNCNT, GETVAL, IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, SETVAL,
  msgctl, msgget, msgrcv, msgsnd, semctl, semget, semop, shmat, shmctl, shmdt, shmget,
} from '../../../src/sysv.js';
import { CPrograms, Ledger, lineFrom, run, until } from './kit.js';

const ledger = new Ledger();
const c = new CPrograms();
after(() => {
  ledger.cleanup();
  c.cleanup();
});

const HEAD = '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n#include <sys/ipc.h>\n#include <sys/msg.h>\n#include <sys/sem.h>\n#include <sys/shm.h>\n';
let sender = '', receiver = '', shmReader = '', shmWriter = '', semUndo = '', echo = '';
before(() => {
  // The seed's sender: "Testnachricht" (13 bytes) of type 1 on a queue by key.
  sender = c.build('sender', `${HEAD}struct m { long type; char text[64]; };
int main(int argc, char **argv) { int id = msgget(strtol(argv[1], 0, 0), IPC_CREAT | 0600); if (id < 0) { perror("msgget"); return 1; }
  struct m msg = { 1, "Testnachricht" }; if (msgsnd(id, &msg, strlen(msg.text), 0) < 0) { perror("msgsnd"); return 1; } printf("%d\\n", id); return 0; }`);
  receiver = c.build('receiver', `${HEAD}struct m { long type; char text[64]; };
int main(int argc, char **argv) { struct m msg; ssize_t n = msgrcv(atoi(argv[1]), &msg, sizeof msg.text, atol(argv[2]), 0); if (n < 0) { perror("msgrcv"); return 1; }
  printf("%ld %.*s\\n", msg.type, (int)n, msg.text); return 0; }`);
  shmReader = c.build('shm-reader', `${HEAD}int main(void) { int id = shmget(12345, 20, 0); if (id < 0) { perror("shmget"); return 1; }
  char *p = shmat(id, 0, SHM_RDONLY); if (p == (void *)-1) { perror("shmat"); return 1; } printf("%.20s\\n", p); shmdt(p); return 0; }`);
  shmWriter = c.build('shm-writer', `${HEAD}int main(int argc, char **argv) { int id = shmget(strtol(argv[1], 0, 0), 20, IPC_CREAT | 0600); if (id < 0) { perror("shmget"); return 1; }
  char *p = shmat(id, 0, 0); strcpy(p, "Hallo Welt."); shmdt(p); printf("%d\\n", id); return 0; }`);
  // Takes one unit with SEM_UNDO, says so, then waits to be killed.
  semUndo = c.build('sem-undo', `${HEAD}int main(int argc, char **argv) { struct sembuf op = { 0, -1, SEM_UNDO }; if (semop(atoi(argv[1]), &op, 1) < 0) { perror("semop"); return 1; }
  printf("taken\\n"); fflush(stdout); pause(); return 0; }`);
  // Echoes every message of type 1 back as type 2 until it gets an empty one.
  echo = c.build('echo', `${HEAD}struct m { long type; char text[256]; };
int main(int argc, char **argv) { int id = atoi(argv[1]); struct m msg; for (;;) { ssize_t n = msgrcv(id, &msg, sizeof msg.text, 1, 0); if (n < 0) { perror("msgrcv"); return 1; }
  if (n == 0) return 0; msg.type = 2; if (msgsnd(id, &msg, n, 0) < 0) { perror("msgsnd"); return 1; } } }`);
});

describe('C and Node on the same keys', () => {
  test('"Testnachricht" from C: IPC_STAT and ipcs -q show 13 used bytes and 1 message; Node receives it', async () => {
    const key = 0x5e000000 + (process.pid & 0xffff);
    const r = await run(sender, [String(key)]);
    assert.equal(r.status, 0, r.stderr);
    const id = ledger.add('msg', Number(r.stdout.trim()));
    assert.equal(msgget(key, 0), id);
    const st = msgctl(id, IPC_STAT);
    assert.deepEqual([st.__msg_cbytes, st.msg_qnum, st.msg_lspid !== process.pid], [13, 1, true]);
    const ipcs = await run('ipcs', ['-q']);
    const row = ipcs.stdout.split('\n').find((l) => l.startsWith(`0x${key.toString(16).padStart(8, '0')} `));
    assert.ok(row, `ipcs -q has no row for the key:\n${ipcs.stdout}`);
    assert.deepEqual(row.trim().split(/\s+/).slice(4), ['13', '1']);
    const m = await msgrcv(id, 0);
    assert.deepEqual([m.type, m.data.toString(), m.data.length], [1, 'Testnachricht', 13]);
    assert.equal(msgctl(id, IPC_STAT).msg_lrpid, process.pid);
  });

  test('Node sends types 3, 1, 2; C receives with 0, 2, -2 and gets 3, 2, 1', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    for (const t of [3, 1, 2]) await msgsnd(id, t, `m${t}`);
    const got = [];
    for (const t of ['0', '2', '-2']) got.push((await run(receiver, [String(id), t])).stdout.trim());
    assert.deepEqual(got, ['3 m3', '2 m2', '1 m1']);
  });

  test('a Node receive blocked on a queue is answered by C (and a C receive by Node)', async () => {
    const id = ledger.add('msg', msgget(IPC_PRIVATE, IPC_CREAT | 0o600));
    const child = spawn(echo, [String(id)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ended = new Promise((r) => child.on('exit', r));
    try {
      for (const text of ['one', 'two', 'Grüße']) {
        await msgsnd(id, 1, text);
        const m = await msgrcv(id, 2);
        assert.equal(m.data.toString(), text);
      }
      await msgsnd(id, 1, '');
      assert.equal(await ended, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('the 20-byte segment with key 12345 (0x00003039) holds "Hallo Welt.", written by Node and read by C, and the other way', async () => {
    // Key 12345 is the seed's; a stale one from a crashed earlier run is removed first.
    try { shmctl(shmget(12345, 0, 0), IPC_RMID); } catch { /* none */ }
    const id = ledger.add('shm', shmget(12345, 20, IPC_CREAT | IPC_EXCL | 0o600));
    const buf = shmat(id);
    buf.write('Hallo Welt.\0');
    const r = await run(shmReader);
    assert.equal(r.stdout, 'Hallo Welt.\n', r.stderr);
    const ipcs = await run('ipcs', ['-m']);
    assert.match(ipcs.stdout, new RegExp(`^0x00003039 ${id} .* 20 +1 +`, 'm'), ipcs.stdout);
    shmdt(buf);
    shmctl(id, IPC_RMID);
    const key = 0x5f000000 + (process.pid & 0xffff);
    const w = await run(shmWriter, [String(key)]);
    const id2 = ledger.add('shm', Number(w.stdout.trim()));
    const seg = shmat(shmget(key, 0, 0), { readonly: true });
    assert.equal(seg.toString('latin1', 0, 11), 'Hallo Welt.');
    assert.equal(shmctl(id2, IPC_STAT).shm_segsz, 20);
    shmdt(seg);
  });

  test('SEM_UNDO: a C process killed while holding a unit gives it back; Node waiting on it gets it', async () => {
    const id = ledger.add('sem', semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600));
    semctl(id, 0, SETVAL, 1);
    const child = spawn(semUndo, [String(id)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await lineFrom(child, /^taken$/, 'sem-undo');
      assert.equal(semctl(id, 0, GETVAL), 0);
      const p = semop(id, [{ num: 0, op: -1 }]);
      await until(() => semctl(id, 0, GETNCNT) === 1, 'Node\'s P to wait');
      child.kill('SIGKILL');
      await p;
      assert.equal(semctl(id, 0, GETVAL), 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('SEM_UNDO taken by Node on its waiting thread is given back when that Node process dies', async () => {
    const id = ledger.add('sem', semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600));
    const script = join(c.dir, 'undo.mjs');
    const lib = new URL('../../../src/sysv.js', import.meta.url).href;
    // The P must wait (value 0) so it runs on a library thread, not the main one.
    writeFileSync(script, `import { semop } from ${JSON.stringify(lib)};
await semop(${id}, [{ num: 0, op: -1, undo: true }]);
console.log('taken');
setInterval(() => {}, 1000);`);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await until(() => semctl(id, 0, GETNCNT) === 1, 'the Node child to wait in semop');
      semctl(id, 0, SETVAL, 1);
      await lineFrom(child, /^taken$/, 'the Node child');
      assert.equal(semctl(id, 0, GETVAL), 0);
      const gone = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await gone;
      assert.equal(semctl(id, 0, GETVAL), 1, 'the kernel gave the unit back');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

// appinit ipcs / ipcrm against util-linux: every kernel row byte-for-byte what `ipcs` prints (plus
// the job column, found from the creator's pid), and ipcrm's messages, output and exit statuses for
// the same commands. ipcrm cases run in a fresh IPC namespace each (unshare -i), so `-a` removes only
// the namespace's objects, never those of anything else on the machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { IPC_RMID, msgctl, msgget, semctl, semget, shmctl, shmget } from '../../src/sysv.js';
import { CLI, TestHome, waitFor } from '../e2e/harness.js';
import { CPrograms } from '../unit/sysv/kit.js';

const h = new TestHome();
const c = new CPrograms();
const base = 0x5a000000 + ((process.pid & 0xfff) << 8);
const keys = { msg: base + 1, shm: base + 2, sem: base + 3 };
after(async () => {
  await h.cli(['down']);
  h.cleanup();
  c.cleanup();
  // The job created them; remove what is left whatever happened.
  for (const [get, rm] of [[() => msgget(keys.msg, 0), (id: number) => msgctl(id, IPC_RMID)], [() => shmget(keys.shm, 0, 0), (id: number) => shmctl(id, IPC_RMID)], [() => semget(keys.sem, 0, 0), (id: number) => semctl(id, 0, IPC_RMID)]] as const) {
    try { rm(get()); } catch { /* gone */ }
  }
});

const hex = (k: number) => `0x${k.toString(16).padStart(8, '0')}`;
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8', env: h.env });

describe('appinit ipcs against util-linux ipcs', () => {
  test('each row is ipcs\'s row plus the job that made the object', async () => {
    const maker = c.build('maker', `#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
struct m { long type; char text[32]; };
int main(void) {
  int q = msgget(${keys.msg}, IPC_CREAT | 0640); struct m msg = { 1, "Testnachricht" }; msgsnd(q, &msg, 13, 0);
  int m = shmget(${keys.shm}, 20, IPC_CREAT | 0600); char *p = shmat(m, 0, 0); strcpy(p, "Hallo Welt."); shmctl(m, SHM_LOCK, 0);
  int s = semget(${keys.sem}, 2, IPC_CREAT | 0660); struct sembuf op = { 1, 1, 0 }; semop(s, &op, 1);
  printf("made\\n"); fflush(stdout); pause(); return 0; }`);
    await h.up(`programs:\n  maker:\n    command: ${maker}\n    restart: never\n`);
    await waitFor('the maker job to make its objects', () => {
      try { return semget(keys.sem, 0, 0) >= 0 && shmctl(shmget(keys.shm, 0, 0), 2).shm_nattch === 1; } catch { return false; }
    });
    for (const flag of [[], ['-q'], ['-m'], ['-s'], ['-a'], ['-q', '-s']]) {
      const ref = sh(`ipcs ${flag.join(' ')}`).stdout.split('\n');
      const ours = (await h.cli(['ipcs', ...flag])).stdout.split('\n');
      for (const [kind, key] of Object.entries(keys)) {
        const want = ref.find((l) => l.startsWith(hex(key) + ' '));
        const got = ours.find((l) => l.startsWith(hex(key) + ' '));
        const shown = flag.length === 0 || flag.includes('-a') || flag.includes({ msg: '-q', shm: '-m', sem: '-s' }[kind]!);
        if (!shown) {
          assert.equal(got, undefined, `ipcs ${flag.join(' ')} shows no ${kind} row`);
          continue;
        }
        assert.ok(want, `util-linux ipcs ${flag.join(' ')} has the ${kind} row`);
        // A segment's row ends in its status, `locked` here (SHM_LOCK), which fills its columns:
        // a blank, then the job.
        assert.equal(got, kind === 'shm' ? `${want} maker` : `${want}maker`, `ipcs ${flag.join(' ')}: the ${kind} row, byte for byte, then the job`);
        if (kind === 'shm') assert.match(want, /locked$/, 'the segment is locked');
      }
      // Titles and headers too: util-linux's lines in the same order, headers ending in "job".
      const heads = (lines: string[]) => lines.filter((l) => l.startsWith('------ ') && !l.includes('appinit') || /^key +(msqid|shmid|semid) /.test(l));
      assert.deepEqual(heads(ours).map((l) => l.replace(/ *job$/, '').trimEnd()), heads(ref).map((l) => l.trimEnd()));
      // Each section's job column starts under its header's `job`.
      for (const [id, key] of [['msqid', keys.msg], ['shmid', keys.shm], ['semid', keys.sem]] as const) {
        const head = ours.find((l) => new RegExp(`^key +${id} `).test(l));
        const row = ours.find((l) => l.startsWith(hex(key) + ' '));
        if (head && row) assert.equal(row.lastIndexOf('maker'), head.lastIndexOf('job'), `ipcs ${flag.join(' ')}: the ${id} job column under its header`);
      }
    }
    const json = JSON.parse((await h.cli(['ipcs', '-q', '--json'])).stdout);
    const q = json.queues.find((x: { key: number }) => x.key === keys.msg);
    assert.deepEqual([q.cbytes, q.qnum, q.job], [13, 1, 'maker']);
    assert.ok(Array.isArray(json.appinit.resources), 'appinit\'s own resources are in the JSON too');
  });
});

describe('appinit ipcrm against util-linux ipcrm', () => {
  // A queue, a 20-byte segment and a 2-semaphore array (ids 0 in a new namespace), then the command.
  const inNamespace = (cmd: string) => sh(`unshare -i sh -c 'ipcmk -Q >/dev/null; ipcmk -M 20 >/dev/null; ipcmk -S 2 >/dev/null; ${cmd}; echo "status $?"; ipcs'`);
  const cases = ['-q 0', '-q 0 -q 0', '-m 0 -s 0', '-Q 0x1234', '-M 0', '-s abc', '-q -1', '-q 0x10', 'msg 0', 'shm 0 7', 'sem x', 'sem',
    '-x', '-q', '-q 0 -x', '-a', '-v -a', '--all=msg', '--all=foo', '-a -q 0', '--queue-id 0 --shmem-id 9', '-v -m 0', '-q0'];
  for (const args of cases) {
    test(`ipcrm ${args}`, () => {
      const ref = inNamespace(`ipcrm ${args}`);
      const ours = inNamespace(`${process.execPath} ${CLI} ipcrm ${args}`);
      assert.equal(ours.stderr, ref.stderr.replaceAll('ipcrm', 'appinit ipcrm'), 'the same messages');
      // ipcmk makes random keys: compare the rest of each row (util-linux ipcs lists what is left).
      const keyless = (s: string) => s.replace(/^0x[0-9a-f]{8} /gm, '0xKEY ');
      assert.equal(keyless(ours.stdout), keyless(ref.stdout), 'the same output, status and objects left');
    });
  }
});

// util-linux ipcs's default layout (sys-utils/ipcs.c, 2.38), row for row, plus one column: the
// job that created or last used the object.
import type { QueueRow, SemRow, ShmRow } from '../../os/sysv/index.js';
import { userName } from '../../os/proc/index.js';

const left = (s: string | number, n: number) => String(s).padEnd(n);
const hexKey = (k: number) => `0x${(k >>> 0).toString(16).padStart(8, '0')}`;
// "%-10d %-10.10s" with the user's name, "%-10d %-10u" without one.
const idOwner = (id: number, uid: number) => `${left(id, 10)} ${left((userName(uid) ?? String(uid)).slice(0, 10), 10)}`;
const perms = (p: number) => ` ${left((p & 0o777).toString(8), 10)} `;
const SHM_DEST = 0o1000;
const SHM_LOCKED = 0o2000;

/** The sections asked for (util-linux order: queues, segments, arrays). */
export interface Sections {
  msg: boolean;
  shm: boolean;
  sem: boolean;
}

/** Objects and the job each belongs to (by id), for the extra column. */
export interface KernelObjects {
  queues: QueueRow[];
  segments: ShmRow[];
  semaphores: SemRow[];
  jobOf: (kind: 'msg' | 'shm' | 'sem', id: number) => string | null;
}

/** The kernel's objects as `ipcs` prints them, each row followed by its job ('-' when none).
 *  A segment's row ends in its status, which fills its 6 columns when `locked`: a blank goes
 *  before the job there (the other sections' last fields are padded already). */
export function formatKernel(o: KernelObjects, s: Sections): string {
  const job = (kind: 'msg' | 'shm' | 'sem', id: number) => o.jobOf(kind, id) ?? '-';
  let out = '\n';
  if (s.msg) {
    out += '------ Message Queues --------\n';
    out += `${left('key', 10)} ${left('msqid', 10)} ${left('owner', 10)} ${left('perms', 10)} ${left('used-bytes', 12)} ${left('messages', 12)}job\n`;
    for (const q of o.queues) out += `${hexKey(q.key)} ${idOwner(q.msqid, q.uid)}${perms(q.perms)}${left(q.cbytes, 12)} ${left(q.qnum, 12)}${job('msg', q.msqid)}\n`;
    out += '\n';
  }
  if (s.shm) {
    out += '------ Shared Memory Segments --------\n';
    out += `${left('key', 10)} ${left('shmid', 10)} ${left('owner', 10)} ${left('perms', 10)} ${left('bytes', 10)} ${left('nattch', 10)} ${left('status', 14)}job\n`;
    for (const m of o.segments) {
      out += `${hexKey(m.key)} ${idOwner(m.shmid, m.uid)}${perms(m.perms)}${left(m.size, 10)} ${left(m.nattch, 10)} ${left(m.perms & SHM_DEST ? 'dest' : ' ', 6)} ${left(m.perms & SHM_LOCKED ? 'locked' : ' ', 6)} ${job('shm', m.shmid)}\n`;
    }
    out += '\n';
  }
  if (s.sem) {
    out += '------ Semaphore Arrays --------\n';
    out += `${left('key', 10)} ${left('semid', 10)} ${left('owner', 10)} ${left('perms', 10)} ${left('nsems', 10)}job\n`;
    for (const a of o.semaphores) out += `${hexKey(a.key)} ${idOwner(a.semid, a.uid)}${perms(a.perms)}${left(a.nsems, 10)}${job('sem', a.semid)}\n`;
    out += '\n';
  }
  return out;
}

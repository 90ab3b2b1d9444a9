// Every System V object the kernel has, as util-linux ipcs reads them: /proc/sysvipc/{msg,sem,shm}
// (one row per object, in the kernel's order), plus each semaphore's sempid (semctl GETPID).
import { readFileSync } from 'node:fs';
import { GETPID } from './constants.js';
import { sysvLib } from './lib.js';

/** A message queue as /proc/sysvipc/msg shows it. */
export interface QueueRow {
  key: number; msqid: number; perms: number; cbytes: number; qnum: number; lspid: number; lrpid: number;
  uid: number; gid: number; cuid: number; cgid: number; stime: number; rtime: number; ctime: number;
}
/** A semaphore set as /proc/sysvipc/sem shows it, with each semaphore's last operator (GETPID). */
export interface SemRow {
  key: number; semid: number; perms: number; nsems: number; uid: number; gid: number; cuid: number; cgid: number;
  otime: number; ctime: number; sempids: number[];
}
/** A shared memory segment as /proc/sysvipc/shm shows it. */
export interface ShmRow {
  key: number; shmid: number; perms: number; size: number; cpid: number; lpid: number; nattch: number;
  uid: number; gid: number; cuid: number; cgid: number; atime: number; dtime: number; ctime: number; rss: number; swap: number;
}

function table(kind: string): number[][] {
  let text: string;
  try {
    text = readFileSync(`/proc/sysvipc/${kind}`, 'utf8');
  } catch {
    return [];
  }
  // perms is octal in the file; every other column is decimal.
  return text.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/).map((v, i) => (i === 2 ? parseInt(v, 8) : Number(v))));
}

/** The kernel's message queues. */
export function listQueues(): QueueRow[] {
  return table('msg').map(([key, msqid, perms, cbytes, qnum, lspid, lrpid, uid, gid, cuid, cgid, stime, rtime, ctime]) =>
    ({ key, msqid, perms, cbytes, qnum, lspid, lrpid, uid, gid, cuid, cgid, stime, rtime, ctime }));
}

/** The kernel's semaphore sets (sempids are 0 where the set cannot be read). */
export function listSemaphores(): SemRow[] {
  const lib = sysvLib();
  return table('sem').map(([key, semid, perms, nsems, uid, gid, cuid, cgid, otime, ctime]) => {
    const sempids = Array.from({ length: nsems }, (_, n) => Math.max(0, lib.semctlInt(semid, n, GETPID, 0)));
    return { key, semid, perms, nsems, uid, gid, cuid, cgid, otime, ctime, sempids };
  });
}

/** The kernel's shared memory segments. */
export function listSegments(): ShmRow[] {
  return table('shm').map(([key, shmid, perms, size, cpid, lpid, nattch, uid, gid, cuid, cgid, atime, dtime, ctime, rss, swap]) =>
    ({ key, shmid, perms, size, cpid, lpid, nattch, uid, gid, cuid, cgid, atime, dtime, ctime, rss, swap }));
}

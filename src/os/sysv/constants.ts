// System V IPC constants (x86_64 Linux, glibc; checked against the C headers, see
// /work/shared/notes/kernel-facts.md).

/** The key that always makes a new object. */
export const IPC_PRIVATE = 0;
/** Create the object if the key has none. */
export const IPC_CREAT = 0o1000;
/** With IPC_CREAT: fail with EEXIST if the key has one. */
export const IPC_EXCL = 0o2000;
/** Fail with EAGAIN/ENOMSG instead of waiting. */
export const IPC_NOWAIT = 0o4000;
/** Remove the object (wakes every waiter with EIDRM). */
export const IPC_RMID = 0;
/** Set owner, mode (and msg_qbytes) from a stat object. */
export const IPC_SET = 1;
/** Read the object's status. */
export const IPC_STAT = 2;
/** Read the kernel's limits (msgctl/semctl/shmctl). */
export const IPC_INFO = 3;
/** msgrcv: truncate a message longer than the buffer instead of failing with E2BIG. */
export const MSG_NOERROR = 0o10000;
/** msgrcv with type > 0: the first message whose type is not that type. */
export const MSG_EXCEPT = 0o20000;
/** semop: undo this operation when the process ends. */
export const SEM_UNDO = 0x1000;
/** semctl commands. */
export const GETPID = 11;
export const GETVAL = 12;
export const GETALL = 13;
export const GETNCNT = 14;
export const GETZCNT = 15;
export const SETVAL = 16;
export const SETALL = 17;
/** shmat: attach read-only. */
export const SHM_RDONLY = 0o10000;
/** shmat: round the address down to SHMLBA. */
export const SHM_RND = 0o20000;
/** shmctl: lock / unlock the segment in memory. */
export const SHM_LOCK = 11;
export const SHM_UNLOCK = 12;
/** Size of `long mtype` ahead of a message's payload. */
export const MTYPE_BYTES = 8;

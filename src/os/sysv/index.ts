// System V IPC for TypeScript: the kernel calls (re-exported as the package's `appinit/sysv`).
export * from './constants.js';
export { SysvError, errnoName } from './errors.js';
export { ftok } from './ftok.js';
export { msgget, msgsnd, msgsndSync, msgrcv, msgrcvSync, msgctl, type Message, type SendOptions, type ReceiveOptions, type MsqSet } from './msg.js';
export { semget, semop, semopSync, semctl, type SemOp, type SemopOptions } from './sem.js';
export { shmget, shmat, shmdt, shmctl, isDetached, type AttachOptions } from './shm.js';
export { pendingCalls } from './completion.js';
export { listQueues, listSemaphores, listSegments, type QueueRow, type SemRow, type ShmRow } from './list.js';
export type { IpcPerm, MsqidDs, SemidDs, ShmidDs, IpcSet } from './stat.js';

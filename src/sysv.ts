// appinit/sysv: System V message queues, semaphore sets and shared memory, typed. Calls that may
// wait (msgrcv, msgsnd on a full queue, semop) return promises and wait on appinit's own threads,
// never on Node's event loop or libuv's thread pool.
export * from './os/sysv/index.js';

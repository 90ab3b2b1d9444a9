// Semaphore sets: semget, semop, semctl. A semop that would wait runs on a library thread of this
// process, so SEM_UNDO is recorded for this process (threads share the undo list) and given back
// by the kernel when the process ends.
import { check, SysvError } from './errors.js';
import { removed, spin, submit } from './completion.js';
import { GETALL, GETNCNT, GETPID, GETVAL, GETZCNT, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, SEM_UNDO, SETALL, SETVAL } from './constants.js';
import { sysvLib } from './lib.js';
import { decodeSemid, encodePerm, SIZE, type IpcSet, type SemidDs } from './stat.js';

/** One operation of a semop: add `op` to semaphore `num` (op < 0 waits for enough, 0 waits for zero). */
export interface SemOp {
  num: number;
  op: number;
  /** SEM_UNDO: the kernel reverses this operation when the process ends. */
  undo?: boolean;
  /** IPC_NOWAIT: EAGAIN instead of waiting. */
  nowait?: boolean;
  /** Raw sem_flg, or-ed with the above. */
  flags?: number;
}

/** semop options: `timeout` in ms (semtimedop: EAGAIN when it passes). */
export interface SemopOptions {
  timeout?: number;
  /** Microseconds to retry without waiting before handing the wait to a library thread (default 0). */
  spin?: number;
}

/** semget(key, nsems, flags): the set's id. */
export function semget(key: number, nsems: number, flags = 0): number {
  return check('semget', sysvLib().semget(key | 0, nsems, flags));
}

// sembuf arrays: 6 bytes each (num u16, op i16, flg i16). `extra` is or-ed into every flg.
function encode(ops: readonly SemOp[], into: Buffer, extra: number): boolean {
  let allNowait = true;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    const flg = (o.flags ?? 0) | (o.undo ? SEM_UNDO : 0) | (o.nowait ? IPC_NOWAIT : 0);
    if (!(flg & IPC_NOWAIT)) allNowait = false;
    into.writeUInt16LE(o.num, 6 * i);
    into.writeInt16LE(o.op, 6 * i + 2);
    into.writeInt16LE(flg | extra, 6 * i + 4);
  }
  return allNowait;
}

// The non-waiting first try reuses one buffer (the call is synchronous).
let scratch = Buffer.alloc(6 * 16);

/** semop: all operations at once, atomically; waits (without blocking Node) until they can be done. */
export function semop(id: number, ops: readonly SemOp[], opts: SemopOptions = {}): Promise<void> {
  const lib = sysvLib();
  if (scratch.length < 6 * ops.length) scratch = Buffer.alloc(6 * ops.length);
  // Try first without waiting: a semop that would block changes nothing and returns EAGAIN.
  const allNowait = encode(ops, scratch, IPC_NOWAIT);
  const r = spin(allNowait ? 0 : opts.spin, -11, () => lib.semop(id, scratch, ops.length));
  if (r >= 0) return Promise.resolve();
  if (r !== -11 || allNowait || opts.timeout === 0) return Promise.reject(new SysvError('semop', -r));
  const buf = Buffer.alloc(6 * ops.length);
  encode(ops, buf, 0);
  const ns = opts.timeout != null ? Math.round(opts.timeout * 1e6) : -1;
  return new Promise((resolve, reject) => {
    submit((fd) => lib.semopAsync(fd, id, buf, ops.length, ns), (err, take) => {
      const rr = err < 0 ? err : take(null, 0);
      if (rr < 0) reject(new SysvError(opts.timeout != null ? 'semtimedop' : 'semop', removed(rr)));
      else resolve();
    });
  });
}

/** semop that never waits: throws EAGAIN if it would. */
export function semopSync(id: number, ops: readonly SemOp[]): void {
  const buf = Buffer.alloc(6 * ops.length);
  encode(ops, buf, IPC_NOWAIT);
  check('semop', sysvLib().semop(id, buf, ops.length));
}

/** semctl(id, num, GETVAL | GETNCNT | GETZCNT | GETPID): one number. */
export function semctl(id: number, num: number, cmd: typeof GETVAL | typeof GETNCNT | typeof GETZCNT | typeof GETPID): number;
/** semctl(id, num, SETVAL, value). */
export function semctl(id: number, num: number, cmd: typeof SETVAL, value: number): void;
/** semctl(id, 0, GETALL): every value. */
export function semctl(id: number, num: number, cmd: typeof GETALL): number[];
/** semctl(id, 0, SETALL, values). */
export function semctl(id: number, num: number, cmd: typeof SETALL, values: readonly number[]): void;
/** semctl(id, 0, IPC_STAT): the set's status. */
export function semctl(id: number, num: number, cmd: typeof IPC_STAT): SemidDs;
/** semctl(id, 0, IPC_SET, changes): owner and mode. */
export function semctl(id: number, num: number, cmd: typeof IPC_SET, set: IpcSet): void;
/** semctl(id, 0, IPC_RMID): removes the set; waiters fail with EIDRM. */
export function semctl(id: number, num: number, cmd: typeof IPC_RMID): void;
export function semctl(id: number, num: number, cmd: number, arg?: number | readonly number[] | IpcSet): number | number[] | SemidDs | void {
  const lib = sysvLib();
  const stat = () => {
    const b = Buffer.alloc(SIZE.semid_ds);
    check('semctl', lib.semctlPtr(id, 0, IPC_STAT, b));
    return b;
  };
  switch (cmd) {
    case GETVAL: case GETNCNT: case GETZCNT: case GETPID:
      return check('semctl', lib.semctlInt(id, num, cmd, 0));
    case SETVAL:
      check('semctl', lib.semctlInt(id, num, cmd, Number(arg)));
      return;
    case IPC_RMID:
      check('semctl', lib.semctlInt(id, 0, IPC_RMID, 0));
      return;
    case GETALL: {
      const n = decodeSemid(stat()).sem_nsems;
      const b = Buffer.alloc(2 * n);
      check('semctl', lib.semctlPtr(id, 0, GETALL, b));
      return Array.from({ length: n }, (_, i) => b.readUInt16LE(2 * i));
    }
    case SETALL: {
      const values = arg as readonly number[];
      const n = decodeSemid(stat()).sem_nsems;
      if (!Array.isArray(values) || values.length !== n) throw new RangeError(`semctl SETALL: expected ${n} values, got ${Array.isArray(values) ? values.length : typeof values}`);
      const b = Buffer.alloc(2 * n);
      values.forEach((v, i) => b.writeUInt16LE(v, 2 * i));
      check('semctl', lib.semctlPtr(id, 0, SETALL, b));
      return;
    }
    case IPC_STAT:
      return decodeSemid(stat());
    case IPC_SET: {
      const b = stat();
      encodePerm(b, (arg as IpcSet) ?? {});
      check('semctl', lib.semctlPtr(id, 0, IPC_SET, b));
      return;
    }
    default:
      throw new SysvError('semctl', 22);
  }
}

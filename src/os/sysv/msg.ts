// Message queues: msgget, msgsnd, msgrcv, msgctl. A send or receive that would wait is handed to
// a library thread (completion.ts) and its promise settles when the kernel call returns.
import { readFileSync } from 'node:fs';
import { check, SysvError } from './errors.js';
import { removed, spin, submit } from './completion.js';
import { IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, MSG_EXCEPT, MSG_NOERROR, MTYPE_BYTES } from './constants.js';
import { sysvLib } from './lib.js';
import { decodeMsqid, encodePerm, SIZE, type IpcSet, type MsqidDs } from './stat.js';

/** A received message: its type and payload. */
export interface Message {
  type: number;
  data: Buffer;
}

/** msgsnd options: `nowait` (IPC_NOWAIT: EAGAIN instead of waiting on a full queue), raw `flags`. */
export interface SendOptions {
  nowait?: boolean;
  flags?: number;
  /** Microseconds to retry without waiting on the calling thread before handing the wait to a
   *  library thread (default 0). A peer that answers within it saves two thread wake-ups; the
   *  event loop is held for at most this long. */
  spin?: number;
}

/** msgrcv options. */
export interface ReceiveOptions {
  /** IPC_NOWAIT: fail with ENOMSG instead of waiting. */
  nowait?: boolean;
  /** MSG_NOERROR: truncate a longer message to maxBytes instead of failing with E2BIG. */
  noerror?: boolean;
  /** MSG_EXCEPT: with type > 0, the first message of any other type. */
  except?: boolean;
  /** The largest payload accepted (default: the kernel's msgmax, so any message fits). */
  maxBytes?: number;
  /** Raw flags, or-ed with the above. */
  flags?: number;
  /** Microseconds to retry without waiting before handing the wait to a library thread (default 0). */
  spin?: number;
}

let msgmax = 0;
function defaultMax(): number {
  if (!msgmax) {
    try {
      msgmax = Number(readFileSync('/proc/sys/kernel/msgmax', 'utf8').trim()) || 8192;
    } catch {
      msgmax = 8192;
    }
  }
  return msgmax;
}

const toBuffer = (d: Buffer | Uint8Array | string) => (typeof d === 'string' ? Buffer.from(d) : Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength));

/** msgget(key, flags): the queue's id (IPC_CREAT | IPC_EXCL | mode bits in flags). */
export function msgget(key: number, flags = 0): number {
  return check('msgget', sysvLib().msgget(key | 0, flags));
}

/** msgsnd: sends a message of `type` (≥ 1); waits (without blocking Node) while the queue is full. */
export function msgsnd(id: number, type: number, data: Buffer | Uint8Array | string, opts: SendOptions = {}): Promise<void> {
  const payload = toBuffer(data);
  const flags = (opts.flags ?? 0) | (opts.nowait ? IPC_NOWAIT : 0);
  const lib = sysvLib();
  const msg = Buffer.allocUnsafe(MTYPE_BYTES + payload.length);
  msg.writeBigInt64LE(BigInt(type), 0);
  payload.copy(msg, MTYPE_BYTES);
  const r = spin(opts.spin, -11, () => lib.msgsnd(id, msg, payload.length, flags | IPC_NOWAIT));
  if (r >= 0) return Promise.resolve();
  if (r !== -11 || flags & IPC_NOWAIT) return Promise.reject(new SysvError('msgsnd', -r));
  return new Promise((resolve, reject) => {
    submit((fd) => lib.msgsndAsync(fd, id, type, payload, payload.length, flags), (err, take) => {
      const rr = err < 0 ? err : take(null, 0);
      if (rr < 0) reject(new SysvError('msgsnd', removed(rr)));
      else resolve();
    });
  });
}

/** msgsnd that never waits: throws EAGAIN on a full queue. */
export function msgsndSync(id: number, type: number, data: Buffer | Uint8Array | string, flags = 0): void {
  const payload = toBuffer(data);
  const msg = Buffer.allocUnsafe(MTYPE_BYTES + payload.length);
  msg.writeBigInt64LE(BigInt(type), 0);
  payload.copy(msg, MTYPE_BYTES);
  check('msgsnd', sysvLib().msgsnd(id, msg, payload.length, flags | IPC_NOWAIT));
}

function rcvFlags(opts: ReceiveOptions): number {
  return (opts.flags ?? 0) | (opts.nowait ? IPC_NOWAIT : 0) | (opts.noerror ? MSG_NOERROR : 0) | (opts.except ? MSG_EXCEPT : 0);
}

// One receive buffer for every call: results are copied out on the main thread before the next
// call can use it (a thread's receive lands in the library's own memory, copied here by take).
let scratch = Buffer.alloc(0);
function scratchFor(cap: number): Buffer {
  if (scratch.length < MTYPE_BYTES + cap) scratch = Buffer.allocUnsafeSlow(MTYPE_BYTES + cap);
  return scratch;
}

const message = (buf: Buffer, n: number): Message => ({ type: Number(buf.readBigInt64LE(0)), data: Buffer.from(buf.subarray(MTYPE_BYTES, MTYPE_BYTES + n)) });

/** msgrcv: type 0 = the first message, N > 0 = the first of type N, −N = the lowest type ≤ N. */
export function msgrcv(id: number, type = 0, opts: ReceiveOptions = {}): Promise<Message> {
  const flags = rcvFlags(opts);
  const cap = opts.maxBytes ?? defaultMax();
  const lib = sysvLib();
  const buf = scratchFor(cap);
  const r = spin(opts.spin, -42, () => lib.msgrcv(id, buf, cap, type, flags | IPC_NOWAIT));
  if (r >= 0) return Promise.resolve(message(buf, r));
  if (r !== -42 /* ENOMSG */ || flags & IPC_NOWAIT) return Promise.reject(new SysvError('msgrcv', -r));
  return new Promise((resolve, reject) => {
    submit((fd) => lib.msgrcvAsync(fd, id, cap, type, flags), (err, take) => {
      const out = scratchFor(cap);
      const n = err < 0 ? err : take(out, MTYPE_BYTES + cap);
      if (n < 0) reject(new SysvError('msgrcv', removed(n)));
      else resolve(message(out, n));
    });
  });
}

/** msgrcv that never waits: the message, or throws ENOMSG. */
export function msgrcvSync(id: number, type = 0, opts: Omit<ReceiveOptions, 'nowait'> = {}): Message {
  const cap = opts.maxBytes ?? defaultMax();
  const buf = scratchFor(cap);
  const n = check('msgrcv', sysvLib().msgrcv(id, buf, cap, type, rcvFlags(opts) | IPC_NOWAIT));
  return message(buf, n);
}

/** What msgctl(IPC_SET) changes: ipc_perm's uid, gid, mode and the queue's byte limit. */
export interface MsqSet extends IpcSet {
  msg_qbytes?: number;
}

/** msgctl(id, IPC_STAT): the queue's status. */
export function msgctl(id: number, cmd: typeof IPC_STAT): MsqidDs;
/** msgctl(id, IPC_SET, changes): sets owner, mode or msg_qbytes. */
export function msgctl(id: number, cmd: typeof IPC_SET, set: MsqSet): void;
/** msgctl(id, IPC_RMID): removes the queue; waiters fail with EIDRM. */
export function msgctl(id: number, cmd: typeof IPC_RMID): void;
export function msgctl(id: number, cmd: number, set?: MsqSet): MsqidDs | void {
  const lib = sysvLib();
  if (cmd === IPC_RMID) {
    check('msgctl', lib.msgctl(id, IPC_RMID, null));
    return;
  }
  const b = Buffer.alloc(SIZE.msqid_ds);
  check('msgctl', lib.msgctl(id, IPC_STAT, b));
  if (cmd === IPC_STAT) return decodeMsqid(b);
  if (cmd !== IPC_SET) throw new SysvError('msgctl', 22);
  encodePerm(b, set ?? {});
  if (set?.msg_qbytes != null) b.writeBigUInt64LE(BigInt(set.msg_qbytes), 88);
  check('msgctl', lib.msgctl(id, IPC_SET, b));
}

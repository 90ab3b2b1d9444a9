// Blocking calls finish on the library's own threads; each writes its request's handle (8 bytes)
// to a pipe that this module reads through a net.Socket, so waiting costs the event loop one
// epoll descriptor and libuv's thread pool nothing. The socket keeps the process alive only while
// a call is pending (as a pending network read does); process.exit() never waits for one.
import { Socket } from 'node:net';
import { sysvLib } from './lib.js';

type Done = (result: number, take: (out: Buffer | null, size: number) => number) => void;

const pending = new Map<number, Done>();
let socket: Socket | null = null;
let notifyFd = -1;
let partial = Buffer.alloc(0);

// One pipe per JS realm: a worker_thread loading the bindings gets its own (module state is per
// realm), so a completion is always read by the realm that asked.
function watch(): Socket {
  if (socket) return socket;
  const both = sysvLib().init();
  if (both < 0) throw new Error(`appinit/sysv: cannot create the completion pipe (errno ${-both})`);
  const fd = both % 2 ** 32;
  notifyFd = Math.floor(both / 2 ** 32);
  const s = new Socket({ fd, readable: true, writable: false });
  s.on('data', (chunk: Buffer) => {
    let buf = partial.length ? Buffer.concat([partial, chunk]) : chunk;
    const whole = buf.length - (buf.length % 8);
    for (let off = 0; off < whole; off += 8) finish(Number(buf.readBigUInt64LE(off)));
    partial = Buffer.from(buf.subarray(whole));
    if (pending.size === 0) s.unref();
  });
  s.on('error', (err) => { throw err; }); // the pipe is ours: an error here is a bug, not an input
  s.unref();
  socket = s;
  return s;
}

function finish(handle: number): void {
  const done = pending.get(handle);
  pending.delete(handle);
  const lib = sysvLib();
  if (!done) {
    lib.take(handle, null, 0); // cannot happen (every handle is registered before it can finish)
    return;
  }
  let taken = false;
  const take = (out: Buffer | null, size: number): number => {
    taken = true;
    return lib.take(handle, out, size);
  };
  done(0, take);
  if (!taken) lib.take(handle, null, 0);
}

/** Starts a call on a library thread (start gets the pipe to notify and returns the call's handle
 *  or -errno); done runs when it ends. */
export function submit(start: (notify: number) => number, done: Done): void {
  const s = watch();
  const handle = start(notifyFd);
  if (handle < 0) {
    done(handle, () => handle);
    return;
  }
  pending.set(handle, done);
  s.ref();
}

/** Calls now waiting on a library thread (for tests and diagnostics). */
export function pendingCalls(): number {
  return pending.size;
}

/** Calls attempt (a non-waiting call) until it gives something other than wouldWait, or until us
 *  microseconds have passed; returns its last result. */
export function spin(us: number | undefined, wouldWait: number, attempt: () => number): number {
  let r = attempt();
  if (r !== wouldWait || !us || us <= 0) return r;
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (r === wouldWait && process.hrtime.bigint() < end) r = attempt();
  return r;
}

/** The errno of a call that went to a thread: EINVAL there means the object was removed after the
 *  first (non-waiting) try found it, before the thread's call began; a caller already waiting
 *  would have got EIDRM, and the call began with that try, so it is EIDRM. */
export function removed(negErrno: number): number {
  return negErrno === -22 ? 43 : -negErrno;
}

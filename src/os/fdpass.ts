// Descriptor passing over Unix sockets (SCM_RIGHTS), which Node cannot do itself: the seed's
// send_fd / recv_fd, through libc with koffi. The daemon's open server sends with it; the client
// library connects, asks and receives with it (the receive on koffi's worker thread, bounded by SO_RCVTIMEO).
import koffi from 'koffi';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const SO_RCVTIMEO = 20;
const MSG_NOSIGNAL = 0x4000;
const MSG_CMSG_CLOEXEC = 0x40000000;
// CMSG_LEN(4) and CMSG_SPACE(4) on 64-bit Linux: a 16-byte header, then the int, padded to 8.
const CMSG_LEN_INT = 20;
const CMSG_SPACE_INT = 24;

interface Libc {
  sendmsg: (fd: number, msg: object, flags: number) => number;
  recvmsg: ((fd: number, msg: Record<string, unknown>, flags: number) => number) & {
    async: (fd: number, msg: Record<string, unknown>, flags: number, cb: (err: unknown, n: number) => void) => void;
  };
  socket: (domain: number, type: number, proto: number) => number;
  connect: (fd: number, addr: Buffer, len: number) => number;
  setsockopt: (fd: number, level: number, name: number, val: Buffer, len: number) => number;
  close: (fd: number) => number;
}
let libc: Libc | null = null;

function bind(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const iovec = koffi.struct('appinit_iovec', { base: 'void *', len: 'size_t' });
  koffi.struct('appinit_msghdr', {
    name: 'void *', namelen: 'uint32_t', iov: koffi.pointer(iovec), iovlen: 'size_t', control: 'void *', controllen: 'size_t', flags: 'int',
  });
  libc = {
    sendmsg: lib.func('long sendmsg(int, const appinit_msghdr *, int)') as never,
    recvmsg: lib.func('long recvmsg(int, _Inout_ appinit_msghdr *, int)') as never,
    socket: lib.func('int socket(int, int, int)') as never,
    connect: lib.func('int connect(int, const uint8_t *, uint32_t)') as never,
    setsockopt: lib.func('int setsockopt(int, int, int, const uint8_t *, uint32_t)') as never,
    close: lib.func('int close(int)') as never,
  };
  return libc;
}

/** Sends data, and fd with it when given (SCM_RIGHTS). Returns bytes sent, or -1 (errno in koffi). */
export function sendWithFd(sock: number, data: Buffer, fd: number | null): number {
  const c = bind();
  let control: Buffer | null = null;
  if (fd != null) {
    control = Buffer.alloc(CMSG_SPACE_INT);
    control.writeBigUInt64LE(BigInt(CMSG_LEN_INT), 0);
    control.writeInt32LE(SOL_SOCKET, 8);
    control.writeInt32LE(SCM_RIGHTS, 12);
    control.writeInt32LE(fd, 16);
  }
  return Number(c.sendmsg(sock, {
    name: null, namelen: 0, iov: [{ base: data, len: data.length }], iovlen: 1, control, controllen: control ? control.length : 0, flags: 0,
  }, MSG_NOSIGNAL));
}

// What recvmsg filled in: the bytes, and the first descriptor passed (any others are closed).
function received(c: Libc, buf: Buffer, control: Buffer, mh: Record<string, unknown>, n: number): { data: Buffer; fd: number | null } | null {
  if (n < 0) return null;
  let fd: number | null = null;
  const clen = Number(mh.controllen);
  for (let off = 0; off + 16 <= clen;) {
    const len = Number(control.readBigUInt64LE(off));
    if (len < 16) break;
    if (control.readInt32LE(off + 8) === SOL_SOCKET && control.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let p = off + 16; p + 4 <= off + len; p += 4) {
        const got = control.readInt32LE(p);
        if (fd == null) fd = got;
        else c.close(got);
      }
    }
    off += (len + 7) & ~7;
  }
  return { data: buf.subarray(0, n), fd };
}

/** Receives up to max bytes and a descriptor if one came with them (close-on-exec); null on error.
 *  The blocking recvmsg runs on koffi's worker thread: the event loop goes on meanwhile. */
export function recvWithFd(sock: number, max = 65536): Promise<{ data: Buffer; fd: number | null } | null> {
  const c = bind();
  const buf = Buffer.alloc(max);
  const control = Buffer.alloc(64);
  const mh: Record<string, unknown> = { name: null, namelen: 0, iov: [{ base: buf, len: max }], iovlen: 1, control, controllen: control.length, flags: 0 };
  return new Promise((resolve, reject) => {
    c.recvmsg.async(sock, mh, MSG_CMSG_CLOEXEC, (err, n) => (err ? reject(err) : resolve(received(c, buf, control, mh, Number(n)))));
  });
}

/** A blocking Unix stream socket connected to path, with a receive timeout; throws when it cannot connect. */
export function connectUnix(path: string, timeoutMs: number): number {
  const c = bind();
  const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error('socket() failed');
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  const p = Buffer.from(path);
  if (p.length > 107) { c.close(fd); throw new Error(`${path}: too long for a unix socket address`); }
  p.copy(addr, 2);
  if (c.connect(fd, addr, 2 + p.length + 1) !== 0) {
    c.close(fd);
    const err = new Error(`cannot connect to ${path}`) as NodeJS.ErrnoException;
    err.code = 'ECONNREFUSED';
    throw err;
  }
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
  tv.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
  c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
  return fd;
}

/** Closes a descriptor this module made. */
export function closeFd(fd: number): void {
  bind().close(fd);
}

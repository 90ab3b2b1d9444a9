// Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED), not as they claim.
import koffi from 'koffi';
import type { Socket } from 'node:net';

/** The peer's process, user and group ids. */
export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
let getsockopt: ((fd: number, level: number, name: number, val: Buffer, len: Buffer) => number) | null = null;

function bind(): NonNullable<typeof getsockopt> {
  if (!getsockopt) {
    const libc = koffi.load('libc.so.6');
    getsockopt = libc.func('int getsockopt(int, int, int, _Inout_ uint8_t *val, _Inout_ uint32_t *len)') as never;
  }
  return getsockopt!;
}

/** The kernel's credentials for a connected Unix socket, or null when it has no descriptor. */
export function peerCred(sock: Socket): PeerCred | null {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd == null || fd < 0) return null;
  const val = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12);
  if (bind()(fd, SOL_SOCKET, SO_PEERCRED, val, len) !== 0) return null;
  return { pid: val.readInt32LE(0), uid: val.readUInt32LE(4), gid: val.readUInt32LE(8) };
}

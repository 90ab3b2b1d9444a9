// A failed System V call as an exception: errno, its name (EIDRM, ENOMSG, ...) and the call.
import { constants } from 'node:os';

const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!NAMES.has(n)) NAMES.set(n, name);
// Linux aliases the names share a number with; the ones the man pages use win.
NAMES.set(11, 'EAGAIN');

/** The name of an errno value ("EIDRM"), or "E<n>" when unknown. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** A System V call that failed: `errno` is the number, `code` its name. */
export class SysvError extends Error {
  override readonly name = 'SysvError';
  constructor(readonly syscall: string, readonly errno: number) {
    super(`${syscall}: ${errnoName(errno)} (${describe(errno)})`);
    this.code = errnoName(errno);
  }
  /** errno's name, as in Node's own system errors. */
  readonly code: string;
}

function describe(errno: number): string {
  switch (errnoName(errno)) {
    case 'EIDRM': return 'the object was removed';
    case 'ENOMSG': return 'no message of the wanted type';
    case 'EAGAIN': return 'would have to wait';
    case 'E2BIG': return 'the message is longer than the buffer';
    case 'EEXIST': return 'an object with this key exists';
    case 'ENOENT': return 'no object with this key';
    case 'EACCES': return 'permission denied';
    case 'EPERM': return 'operation not permitted';
    case 'EINVAL': return 'invalid argument or no such object';
    case 'EFBIG': return 'semaphore number out of range';
    case 'ERANGE': return 'value out of range';
    case 'ENOSPC': return 'a system limit was reached';
    case 'EINTR': return 'interrupted';
    default: return 'failed';
  }
}

/** Returns r, or throws SysvError for a negative (-errno) result. */
export function check(syscall: string, r: number): number {
  if (r < 0) throw new SysvError(syscall, -r);
  return r;
}

// The daemon's own process limits: it must not inherit a small descriptor limit from whichever
// shell started it (a low `ulimit -n` made spawns fail while the API still said 200).
import koffi from 'koffi';

const RLIMIT_NOFILE = 7;
let calls: { get: (res: number, buf: Buffer) => number; set: (res: number, buf: Buffer) => number } | null = null;

function bind(): NonNullable<typeof calls> {
  if (!calls) {
    const libc = koffi.load('libc.so.6');
    calls = {
      get: libc.func('int getrlimit(int, _Out_ uint8_t *buf)') as never,
      set: libc.func('int setrlimit(int, const uint8_t *buf)') as never,
    };
  }
  return calls;
}

/** The soft and hard RLIMIT_NOFILE of this process (as bigint: RLIM_INFINITY does not fit a double). */
export function nofileLimit(): { soft: bigint; hard: bigint } {
  const buf = Buffer.alloc(16);
  if (bind().get(RLIMIT_NOFILE, buf) !== 0) throw new Error('getrlimit(RLIMIT_NOFILE) failed');
  return { soft: buf.readBigUInt64LE(0), hard: buf.readBigUInt64LE(8) };
}

/** Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit. */
export function raiseNofile(): bigint {
  const { soft, hard } = nofileLimit();
  if (soft >= hard) return soft;
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(hard, 0);
  buf.writeBigUInt64LE(hard, 8);
  return bind().set(RLIMIT_NOFILE, buf) === 0 ? hard : soft;
}

/** A limit of this process by resource number (soft, hard; RLIM_INFINITY as 2^64-1), or null. */
export function getLimit(res: number): { soft: bigint; hard: bigint } | null {
  const buf = Buffer.alloc(16);
  if (bind().get(res, buf) !== 0) return null;
  return { soft: buf.readBigUInt64LE(0), hard: buf.readBigUInt64LE(8) };
}

/** Sets a limit of this process; false when the kernel refused (a hard limit raised without privilege). */
export function setLimit(res: number, soft: bigint, hard: bigint): boolean {
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(soft, 0);
  buf.writeBigUInt64LE(hard, 8);
  return bind().set(res, buf) === 0;
}

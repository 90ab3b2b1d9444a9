// The daemon as a child subreaper: when the supervise helper dies, the jobs it owned are
// reparented to the daemon (not to init), so their real exit statuses and resource usage can
// still be collected — by pid only, never wait4(-1), which would steal child_process's children.
import koffi from 'koffi';

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

let libc: { prctl: (op: number, a: number, b: number, c: number, d: number) => number; wait4: (pid: number, status: Int32Array, options: number, ru: Buffer) => number } | null = null;

function bind(): NonNullable<typeof libc> {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)') as never,
      wait4: lib.func('int wait4(int, _Out_ int32_t *status, int, _Out_ uint8_t *rusage)') as never,
    };
  }
  return libc;
}

/** Makes this process a child subreaper (orphaned descendants come to it). False when refused. */
export function becomeSubreaper(): boolean {
  try {
    return bind().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
  } catch {
    return false;
  }
}

/** What wait4 said of a reaped child: the raw status and its resource usage. */
export interface Reaped {
  status: number;
  utimeUs: number;
  stimeUs: number;
  maxrss: number;
  minflt: number;
  majflt: number;
  inblock: number;
  oublock: number;
  nvcsw: number;
  nivcsw: number;
}

/** Reaps `pid` if it is an ended child of ours (a zombie); null when it is not (yet). */
export function reapChild(pid: number): Reaped | null {
  const status = new Int32Array(1);
  const ru = Buffer.alloc(144); // struct rusage: two timevals, then 14 longs
  let r: number;
  try {
    r = bind().wait4(pid, status, WNOHANG, ru);
  } catch {
    return null;
  }
  if (r !== pid) return null;
  const long = (i: number) => Number(ru.readBigInt64LE(32 + 8 * i));
  const tv = (o: number) => Number(ru.readBigInt64LE(o)) * 1e6 + Number(ru.readBigInt64LE(o + 8));
  return {
    status: status[0], utimeUs: tv(0), stimeUs: tv(16), maxrss: long(0), minflt: long(4), majflt: long(5), inblock: long(7),
    oublock: long(8), nvcsw: long(12), nivcsw: long(13),
  };
}

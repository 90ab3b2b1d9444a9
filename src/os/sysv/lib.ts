// libappinit-sysv.so (native/sysv/sysv.c), loaded once: every call returns >= 0 or -errno.
import koffi from 'koffi';
import { fileURLToPath } from 'node:url';

/** Where the library is built (scripts/build-sysv.mjs). */
export const SYSV_LIB = fileURLToPath(new URL('../../../../build/libappinit-sysv.so', import.meta.url));

/** The library's functions, typed. */
export interface SysvLib {
  init(): number;
  msgsndAsync(notify: number, id: number, type: number, data: Buffer, size: number, flags: number): number;
  msgrcvAsync(notify: number, id: number, cap: number, type: number, flags: number): number;
  semopAsync(notify: number, id: number, sops: Buffer, nsops: number, timeoutNs: number): number;
  take(handle: number, out: Buffer | null, outSize: number): number;
  ftok(path: string, proj: number): number;
  msgget(key: number, flags: number): number;
  msgsnd(id: number, msg: Buffer, size: number, flags: number): number;
  msgrcv(id: number, msg: Buffer, size: number, type: number, flags: number): number;
  msgctl(id: number, cmd: number, buf: Buffer | null): number;
  semget(key: number, nsems: number, flags: number): number;
  semop(id: number, sops: Buffer, nsops: number): number;
  semctlInt(id: number, num: number, cmd: number, val: number): number;
  semctlPtr(id: number, num: number, cmd: number, p: Buffer | null): number;
  shmget(key: number, size: number, flags: number): number;
  shmctl(id: number, cmd: number, buf: Buffer | null): number;
  shmat(id: number, addr: number, flags: number): number;
  shmdt(addr: number): number;
}

let lib: SysvLib | null = null;

/** The loaded library (loads it on first use). */
export function sysvLib(): SysvLib {
  if (lib) return lib;
  let l: ReturnType<typeof koffi.load>;
  try {
    l = koffi.load(SYSV_LIB);
  } catch (err) {
    throw new Error(`appinit/sysv: cannot load ${SYSV_LIB} (build it with npm run build, which needs a C compiler): ${(err as Error).message}`);
  }
  const f = (decl: string) => l.func(decl) as (...a: unknown[]) => number;
  lib = {
    init: f('int64_t sysv_init(void)'),
    msgsndAsync: f('int64_t sysv_msgsnd_async(int, int, long, const void *, size_t, int)'),
    msgrcvAsync: f('int64_t sysv_msgrcv_async(int, int, size_t, long, int)'),
    semopAsync: f('int64_t sysv_semop_async(int, int, const void *, int, long)'),
    take: f('long sysv_take(int64_t, void *, size_t)'),
    ftok: f('long sysv_ftok(const char *, int)'),
    msgget: f('long sysv_msgget(int, int)'),
    msgsnd: f('long sysv_msgsnd(int, const void *, size_t, int)'),
    msgrcv: f('long sysv_msgrcv(int, void *, size_t, long, int)'),
    msgctl: f('long sysv_msgctl(int, int, void *)'),
    semget: f('long sysv_semget(int, int, int)'),
    semop: f('long sysv_semop(int, void *, int)'),
    semctlInt: f('long sysv_semctl_int(int, int, int, int)'),
    semctlPtr: f('long sysv_semctl_ptr(int, int, int, void *)'),
    shmget: f('long sysv_shmget(int, size_t, int)'),
    shmctl: f('long sysv_shmctl(int, int, void *)'),
    shmat: f('int64_t sysv_shmat(int, int64_t, int)'),
    shmdt: f('long sysv_shmdt(int64_t)'),
  } as unknown as SysvLib;
  return lib;
}

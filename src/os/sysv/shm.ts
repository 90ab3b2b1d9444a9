// Shared memory: shmget, shmat, shmdt, shmctl. shmat gives a Buffer over the segment. Before
// shmdt unmaps it, the Buffer's ArrayBuffer is detached (addon shmview.c), so every view over it
// has length 0: methods with an offset throw RangeError, reads find nothing, and nothing can touch
// the unmapped memory (which would be SIGSEGV). Without the addon (no Node headers at build),
// shmdt marks the Buffer detached and unmaps only once no Buffer over it is reachable.
import koffi from 'koffi';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { check, SysvError } from './errors.js';
import { IPC_RMID, IPC_SET, IPC_STAT, SHM_RDONLY } from './constants.js';
import { sysvLib } from './lib.js';
import { decodeShmid, encodePerm, SIZE, type IpcSet, type ShmidDs } from './stat.js';

interface Addon {
  view(addr: number, len: number): ArrayBuffer;
  detach(ab: ArrayBuffer): void;
}

let addon: Addon | null | undefined;
function shmview(): Addon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)(fileURLToPath(new URL('../../../../build/appinit-sysv-shm.node', import.meta.url))) as Addon;
  } catch {
    addon = null;
  }
  return addon;
}

interface Attachment {
  addr: number;
  ab: ArrayBuffer;
  detached: boolean;
}

const attached = new WeakMap<ArrayBuffer, Attachment>();
// The fallback: unmap when the last view over a segment detached by shmdt is collected.
const later = new FinalizationRegistry<number>((addr) => void sysvLib().shmdt(addr));

/** shmget(key, size, flags): the segment's id. */
export function shmget(key: number, size: number, flags = 0): number {
  return check('shmget', sysvLib().shmget(key | 0, size, flags));
}

/** shmat options: `readonly` (SHM_RDONLY), raw `flags`. */
export interface AttachOptions {
  readonly?: boolean;
  flags?: number;
}

/** shmat: attaches the segment and returns a Buffer over all of it (writes are seen by every attacher). */
export function shmat(id: number, opts: AttachOptions = {}): Buffer {
  const lib = sysvLib();
  const b = Buffer.alloc(SIZE.shmid_ds);
  check('shmctl', lib.shmctl(id, IPC_STAT, b));
  const size = decodeShmid(b).shm_segsz;
  const addr = check('shmat', lib.shmat(id, 0, (opts.flags ?? 0) | (opts.readonly ? SHM_RDONLY : 0)));
  const a = shmview();
  let ab: ArrayBuffer;
  try {
    ab = a ? a.view(addr, size) : (koffi.view(addr as unknown as object, size) as ArrayBuffer);
  } catch (err) {
    lib.shmdt(addr);
    throw err;
  }
  attached.set(ab, { addr, ab, detached: false });
  return Buffer.from(ab);
}

/** shmdt: detaches the Buffer's segment; afterwards every view over it is empty (never SIGSEGV). */
export function shmdt(buf: Buffer | Uint8Array | ArrayBuffer): void {
  const ab = buf instanceof ArrayBuffer ? buf : (buf.buffer as ArrayBuffer);
  const at = attached.get(ab);
  if (!at || at.detached) throw new SysvError('shmdt', 22); // as C's shmdt for an address not attached
  at.detached = true;
  const a = shmview();
  if (a) {
    a.detach(ab);
    check('shmdt', sysvLib().shmdt(at.addr));
  } else later.register(ab, at.addr);
}

/** True when buf is a Buffer from shmat that shmdt has detached. */
export function isDetached(buf: Buffer | Uint8Array): boolean {
  return attached.get(buf.buffer as ArrayBuffer)?.detached ?? false;
}

/** shmctl(id, IPC_STAT): the segment's status. */
export function shmctl(id: number, cmd: typeof IPC_STAT): ShmidDs;
/** shmctl(id, IPC_SET, changes): owner and mode. */
export function shmctl(id: number, cmd: typeof IPC_SET, set: IpcSet): void;
/** shmctl(id, IPC_RMID): marks the segment for removal once the last process detaches. */
export function shmctl(id: number, cmd: typeof IPC_RMID): void;
export function shmctl(id: number, cmd: number, set?: IpcSet): ShmidDs | void {
  const lib = sysvLib();
  if (cmd === IPC_RMID) {
    check('shmctl', lib.shmctl(id, IPC_RMID, null));
    return;
  }
  const b = Buffer.alloc(SIZE.shmid_ds);
  check('shmctl', lib.shmctl(id, IPC_STAT, b));
  if (cmd === IPC_STAT) return decodeShmid(b);
  if (cmd !== IPC_SET) throw new SysvError('shmctl', 22);
  encodePerm(b, set ?? {});
  check('shmctl', lib.shmctl(id, IPC_SET, b));
}

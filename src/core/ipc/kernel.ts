// Making, checking and removing one control-file object with the appinit/sysv bindings.
import {
  IPC_CREAT, IPC_EXCL, IPC_RMID, IPC_SET, IPC_STAT, SETALL, SysvError, msgctl, msgget, semctl, semget, shmctl, shmget,
} from '../../os/sysv/index.js';
import type { IpcObjectSpec } from './spec.js';

const hex = (k: number) => `0x${(k >>> 0).toString(16).padStart(8, '0')}`;
const KIND_WORD = { queue: 'a message queue', semaphores: 'a semaphore set', shm: 'a shared memory segment' } as const;

/** What the kernel says an object is, in the spec's terms; null when the id is gone. */
export interface Found {
  key: number;
  mode: number;
  uid: number;
  /** The owner's group (ipc_perm.gid): the group bits apply to its members. */
  gid: number;
  maxBytes: number | null;
  count: number;
  size: number;
}

/** The object with this id, or null when there is none (any more). */
export function stat(kind: IpcObjectSpec['kind'], id: number): Found | null {
  try {
    if (kind === 'queue') {
      const s = msgctl(id, IPC_STAT);
      return { key: s.msg_perm.__key, mode: s.msg_perm.mode & 0o777, uid: s.msg_perm.uid, gid: s.msg_perm.gid, maxBytes: s.msg_qbytes, count: 0, size: 0 };
    }
    if (kind === 'semaphores') {
      const s = semctl(id, 0, IPC_STAT);
      return { key: s.sem_perm.__key, mode: s.sem_perm.mode & 0o777, uid: s.sem_perm.uid, gid: s.sem_perm.gid, maxBytes: null, count: s.sem_nsems, size: 0 };
    }
    const s = shmctl(id, IPC_STAT);
    return { key: s.shm_perm.__key, mode: s.shm_perm.mode & 0o777, uid: s.shm_perm.uid, gid: s.shm_perm.gid, maxBytes: null, count: 0, size: s.shm_segsz };
  } catch (err) {
    if (err instanceof SysvError && (err.code === 'EINVAL' || err.code === 'EIDRM')) return null;
    throw err;
  }
}

/** The id of the object the key names, or null. */
export function byKey(kind: IpcObjectSpec['kind'], key: number): number | null {
  try {
    return kind === 'queue' ? msgget(key, 0) : kind === 'semaphores' ? semget(key, 0, 0) : shmget(key, 0, 0);
  } catch (err) {
    if (err instanceof SysvError && err.code === 'ENOENT') return null;
    throw err;
  }
}

/** Where an existing object differs from the spec, in words; empty when it matches. */
export function differences(spec: IpcObjectSpec, f: Found, owner: number | null): string[] {
  const out: string[] = [];
  if (f.mode !== spec.mode) out.push(`mode ${f.mode.toString(8).padStart(4, '0')} (the file says ${spec.mode.toString(8).padStart(4, '0')})`);
  if (spec.kind === 'queue' && spec.maxBytes != null && f.maxBytes !== spec.maxBytes) out.push(`maxBytes ${f.maxBytes} (the file says ${spec.maxBytes})`);
  if (spec.kind === 'semaphores' && f.count !== spec.count) out.push(`${f.count} semaphores (the file says ${spec.count})`);
  if (spec.kind === 'shm' && f.size !== spec.size) out.push(`size ${f.size} (the file says ${spec.size})`);
  if (owner != null && f.uid !== owner) out.push(`owner uid ${f.uid} (the file's programs run as uid ${owner})`);
  return out;
}

/** The error for an object that exists with other settings: names it and says what to do. */
export function conflict(spec: IpcObjectSpec, id: number, diff: string[]): string {
  const flag = spec.kind === 'queue' ? 'Q' : spec.kind === 'semaphores' ? 'S' : 'M';
  return `ipc.${spec.name}: ${KIND_WORD[spec.kind]} with key ${hex(spec.key)} exists (id ${id}) with ${diff.join(', ')}; remove it (appinit ipcrm -${flag} ${hex(spec.key)}) or change the file`;
}

/** Makes the object (IPC_EXCL: never someone else's), sets its limits, values and owner; returns its id. */
export function create(spec: IpcObjectSpec, owner: { uid: number; gid: number } | null): number {
  const flags = IPC_CREAT | IPC_EXCL | spec.mode;
  let id: number;
  if (spec.kind === 'queue') {
    id = msgget(spec.key, flags);
    try {
      if (spec.maxBytes != null || owner) msgctl(id, IPC_SET, { msg_qbytes: spec.maxBytes ?? undefined, ...(owner ?? {}) });
    } catch (err) {
      msgctl(id, IPC_RMID);
      throw err;
    }
  } else if (spec.kind === 'semaphores') {
    id = semget(spec.key, spec.count, flags);
    try {
      semctl(id, 0, SETALL, spec.values);
      if (owner) semctl(id, 0, IPC_SET, owner);
    } catch (err) {
      semctl(id, 0, IPC_RMID);
      throw err;
    }
  } else {
    id = shmget(spec.key, spec.size, flags);
    try {
      if (owner) shmctl(id, IPC_SET, owner);
    } catch (err) {
      shmctl(id, IPC_RMID);
      throw err;
    }
  }
  return id;
}

/** Removes an object; one already gone is fine. */
export function remove(kind: IpcObjectSpec['kind'], id: number): void {
  try {
    if (kind === 'queue') msgctl(id, IPC_RMID);
    else if (kind === 'semaphores') semctl(id, 0, IPC_RMID);
    else shmctl(id, IPC_RMID);
  } catch (err) {
    if (!(err instanceof SysvError && (err.code === 'EINVAL' || err.code === 'EIDRM'))) throw err;
  }
}

/** The key as programs get it. */
export const keyText = hex;

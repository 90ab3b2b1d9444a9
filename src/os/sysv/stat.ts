// IPC_STAT buffers as typed objects, and IPC_SET buffers from them (offsets measured with
// offsetof on x86_64 glibc 2.36: ipc_perm 48 bytes, msqid_ds 120, semid_ds 104, shmid_ds 112).

/** struct ipc_perm: the object's key, owner, creator and permission bits. */
export interface IpcPerm {
  /** The key (signed, as key_t in C; 0 = IPC_PRIVATE). */
  __key: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  /** Permission bits (and SHM_DEST 0o1000 / SHM_LOCKED 0o2000 for a segment). */
  mode: number;
  __seq: number;
}

/** struct msqid_ds (times in seconds since the epoch, 0 = never). */
export interface MsqidDs {
  msg_perm: IpcPerm;
  msg_stime: number;
  msg_rtime: number;
  msg_ctime: number;
  /** Bytes in the queue now (payloads only). */
  __msg_cbytes: number;
  msg_qnum: number;
  msg_qbytes: number;
  msg_lspid: number;
  msg_lrpid: number;
}

/** struct semid_ds. */
export interface SemidDs {
  sem_perm: IpcPerm;
  sem_otime: number;
  sem_ctime: number;
  sem_nsems: number;
}

/** struct shmid_ds. */
export interface ShmidDs {
  shm_perm: IpcPerm;
  shm_segsz: number;
  shm_atime: number;
  shm_dtime: number;
  shm_ctime: number;
  shm_cpid: number;
  shm_lpid: number;
  shm_nattch: number;
}

/** Sizes of the C structs. */
export const SIZE = { msqid_ds: 120, semid_ds: 104, shmid_ds: 112 } as const;

const num = (b: Buffer, off: number) => Number(b.readBigInt64LE(off));

/** Decodes struct ipc_perm at offset 0. */
export function decodePerm(b: Buffer): IpcPerm {
  return { __key: b.readInt32LE(0), uid: b.readUInt32LE(4), gid: b.readUInt32LE(8), cuid: b.readUInt32LE(12), cgid: b.readUInt32LE(16), mode: b.readUInt32LE(20), __seq: b.readUInt16LE(24) };
}

/** Decodes struct msqid_ds. */
export function decodeMsqid(b: Buffer): MsqidDs {
  return { msg_perm: decodePerm(b), msg_stime: num(b, 48), msg_rtime: num(b, 56), msg_ctime: num(b, 64), __msg_cbytes: num(b, 72), msg_qnum: num(b, 80), msg_qbytes: num(b, 88), msg_lspid: b.readInt32LE(96), msg_lrpid: b.readInt32LE(100) };
}

/** Decodes struct semid_ds. */
export function decodeSemid(b: Buffer): SemidDs {
  return { sem_perm: decodePerm(b), sem_otime: num(b, 48), sem_ctime: num(b, 64), sem_nsems: num(b, 80) };
}

/** Decodes struct shmid_ds. */
export function decodeShmid(b: Buffer): ShmidDs {
  return { shm_perm: decodePerm(b), shm_segsz: num(b, 48), shm_atime: num(b, 56), shm_dtime: num(b, 64), shm_ctime: num(b, 72), shm_cpid: b.readInt32LE(80), shm_lpid: b.readInt32LE(84), shm_nattch: num(b, 88) };
}

/** What IPC_SET changes: owner, group, permission bits (msg: also the queue's byte limit). */
export interface IpcSet {
  uid?: number;
  gid?: number;
  mode?: number;
}

/** Writes the settable ipc_perm fields of `set` over a buffer filled by IPC_STAT. */
export function encodePerm(b: Buffer, set: IpcSet): void {
  if (set.uid != null) b.writeUInt32LE(set.uid, 4);
  if (set.gid != null) b.writeUInt32LE(set.gid, 8);
  if (set.mode != null) b.writeUInt32LE(set.mode & 0o777, 20);
}

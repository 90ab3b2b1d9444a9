// Records as the kernel's BSD process accounting file, version 3 (struct acct_v3 in
// <linux/acct.h>, 64 bytes, little-endian here), so lastcomm -f, sa and dump-acct read them.
// Times are in AHZ (100) ticks, truncated, and compressed as the kernel does it.
import type { AcctRecord } from '../../store/records.js';

/** Size of one acct_v3 record. */
export const ACCT_V3_SIZE = 64;
const AHZ = 100;

/** The kernel's comp_t: 13-bit mantissa, 3-bit base-8 exponent, rounding up on the last bit shifted out. */
export function encodeCompT(value: number): number {
  let v = Math.max(0, Math.floor(value));
  let exp = 0;
  let rnd = 0;
  while (v > 0x1fff) {
    rnd = v & 4;
    v = Math.floor(v / 8);
    exp++;
  }
  if (rnd && ++v > 0x1fff) {
    v = Math.floor(v / 8);
    exp++;
  }
  if (exp > 7) return 0xffff;
  return (exp << 13) + v;
}

/** Decodes a comp_t (for tests and readers). */
export function decodeCompT(c: number): number {
  return (c & 0x1fff) * 8 ** ((c >> 13) & 7);
}

/** The kernel's encode_float for ac_etime: an IEEE single whose mantissa is truncated, not rounded. */
export function encodeEtime(ticks: number): number {
  let v = BigInt(Math.max(0, Math.floor(ticks)));
  if (v === 0n) return 0;
  let exp = 190;
  const top = 1n << 63n;
  while ((v & top) === 0n) {
    v <<= 1n;
    exp--;
  }
  return Number((v >> 40n) & 0x7fffffn) | (exp << 23);
}

// /proc's tty_nr (new_encode_dev) to the 16-bit old_encode_dev the file holds.
function oldTty(ttyNr: number): number {
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  return ((major << 8) | (minor & 0xff)) & 0xffff;
}

function acFlag(flags: string): number {
  return (flags.includes('F') ? 0x01 : 0) | (flags.includes('S') ? 0x02 : 0) | (flags.includes('D') || flags.includes('C') /* records stored before 0.2 */ ? 0x08 : 0) | (flags.includes('X') ? 0x10 : 0);
}

const ticks = (seconds: number) => Math.floor(seconds * AHZ + 1e-6);

/** One record as acct_v3 bytes. */
export function encodeRecord(r: AcctRecord): Buffer {
  const b = Buffer.alloc(ACCT_V3_SIZE);
  const elapsed = r.elapsed ?? (r.start != null ? Math.max(0, r.end - r.start) : 0);
  const start = r.start ?? r.end - elapsed;
  b.writeUInt8(acFlag(r.flags), 0);
  b.writeUInt8(3, 1);
  b.writeUInt16LE(oldTty(r.tty ?? 0), 2);
  b.writeUInt32LE((r.status ?? (r.exitCode != null ? r.exitCode << 8 : 0)) >>> 0, 4);
  b.writeUInt32LE((r.uid ?? 0) >>> 0, 8);
  b.writeUInt32LE((r.gid ?? 0) >>> 0, 12);
  b.writeUInt32LE(r.pid >>> 0, 16);
  b.writeUInt32LE((r.ppid ?? 0) >>> 0, 20);
  b.writeUInt32LE(Math.max(0, Math.floor(start)) >>> 0, 24);
  b.writeUInt32LE(encodeEtime(ticks(elapsed)) >>> 0, 28);
  b.writeUInt16LE(encodeCompT(ticks(r.utime)), 32);
  b.writeUInt16LE(encodeCompT(ticks(r.stime)), 34);
  // ac_mem: the seed's "average memory usage", in KiB (the peak where the average is unknown).
  b.writeUInt16LE(encodeCompT(r.avgmem ?? r.maxrss), 36);
  // ac_io: characters transferred by read and write; ac_rw: 512-byte blocks read or written.
  b.writeUInt16LE(encodeCompT((r.rchar ?? 0) + (r.wchar ?? 0)), 38);
  b.writeUInt16LE(encodeCompT(r.inblock + r.oublock), 40);
  b.writeUInt16LE(encodeCompT(r.minflt), 42);
  b.writeUInt16LE(encodeCompT(r.majflt), 44);
  b.writeUInt16LE(0, 46);
  Buffer.from(r.comm, 'utf8').subarray(0, 15).copy(b, 48); // NUL-terminated within 16 bytes, as strscpy
  return b;
}

/** Records, in the order given (termination order), as an acct_v3 file. */
export function encodePacct(records: readonly AcctRecord[]): Buffer {
  return Buffer.concat(records.map(encodeRecord));
}

/** One acct_v3 record, decoded (times in ticks of 1/100 s, memory in KiB). */
export interface PacctEntry {
  flag: number;
  version: number;
  tty: number;
  exitcode: number;
  uid: number;
  gid: number;
  pid: number;
  ppid: number;
  btime: number;
  etime: number;
  utime: number;
  stime: number;
  mem: number;
  io: number;
  rw: number;
  minflt: number;
  majflt: number;
  comm: string;
}

/** Reads an acct_v3 file (the kernel's, or ours); records of other versions are skipped. */
export function decodePacct(buf: Buffer): PacctEntry[] {
  const out: PacctEntry[] = [];
  for (let o = 0; o + ACCT_V3_SIZE <= buf.length; o += ACCT_V3_SIZE) {
    if (buf.readUInt8(o + 1) !== 3) continue;
    const c = (at: number) => decodeCompT(buf.readUInt16LE(o + at));
    const comm = buf.subarray(o + 48, o + 64);
    const nul = comm.indexOf(0);
    out.push({
      flag: buf.readUInt8(o), version: 3, tty: buf.readUInt16LE(o + 2), exitcode: buf.readUInt32LE(o + 4),
      uid: buf.readUInt32LE(o + 8), gid: buf.readUInt32LE(o + 12), pid: buf.readUInt32LE(o + 16), ppid: buf.readUInt32LE(o + 20),
      btime: buf.readUInt32LE(o + 24), etime: buf.readFloatLE(o + 28), utime: c(32), stime: c(34), mem: c(36), io: c(38),
      rw: c(40), minflt: c(42), majflt: c(44), comm: comm.subarray(0, nul < 0 ? 16 : nul).toString('utf8'),
    });
  }
  return out;
}

// acct_v3 encoding as the kernel does it: comp_t with its rounding, the truncated float of
// ac_etime, the 64-byte layout. Checked byte for byte against known values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCompT, decodePacct, encodeCompT, encodeEtime, encodePacct } from '../../../src/core/accounting/pacct.js';
import type { AcctRecord } from '../../../src/store/records.js';

describe('acct_v3 encoding', () => {
  test('comp_t keeps 13 bits and rounds on the last bit shifted out, as encode_comp_t', () => {
    assert.equal(encodeCompT(0), 0);
    assert.equal(encodeCompT(8191), 8191);
    assert.equal(encodeCompT(8192), (1 << 13) | 1024);
    assert.equal(encodeCompT(8195), (1 << 13) | 1024); // 8195 >> 3 = 1024, bit 2 clear
    assert.equal(encodeCompT(8196), (1 << 13) | 1025); // bit 2 set: rounds up
    assert.equal(decodeCompT(encodeCompT(1_000_000)), 999_936);
    assert.equal(encodeCompT(2 ** 40), 0xffff, 'overflow saturates');
  });

  test('ac_etime is an IEEE single of whole ticks, truncated', () => {
    const f = Buffer.alloc(4);
    const float = (ticks: number) => { f.writeUInt32LE(encodeEtime(ticks)); return f.readFloatLE(0); };
    for (const v of [0, 1, 30, 100, 458, 2 ** 24 - 1]) assert.equal(float(v), v, `${v} ticks is exact`);
    assert.equal(float(123_456_789), 123_456_784, 'the low bits are cut, not rounded (Math.fround gives 123456792)');
  });

  test('a record round-trips through the 64-byte layout', () => {
    const r: AcctRecord = {
      pid: 4242, ppid: 1, job: 1, program: 'p', command: 'dd if=x', comm: 'a-very-long-command-name', uid: 1000, gid: 100,
      start: 1_700_000_000.58, end: 1_700_000_004.16, utime: 0.129, stime: 0.02, maxrss: 2000, minflt: 70, majflt: 1,
      inblock: 8, oublock: 0, nvcsw: 1, nivcsw: 0, exitCode: null, signal: 6, core: true, flags: 'FDX', status: 0x86, note: null,
      elapsed: 3.58, tty: (136 << 8) | 3, rchar: 6144, wchar: 1024, avgmem: 1500,
    };
    const buf = encodePacct([r, { ...r, pid: 4243 }]);
    assert.equal(buf.length, 128);
    const [d, e] = decodePacct(buf);
    assert.deepEqual(
      { flag: d.flag, tty: d.tty, exit: d.exitcode, pid: d.pid, btime: d.btime, etime: d.etime, utime: d.utime, stime: d.stime, mem: d.mem, io: d.io, rw: d.rw, comm: d.comm },
      { flag: 0x19, tty: (136 << 8) | 3, exit: 0x86, pid: 4242, btime: 1_700_000_000, etime: 358, utime: 12, stime: 2, mem: 1500, io: 7168, rw: 8, comm: 'a-very-long-com' },
    );
    assert.equal(e.pid, 4243);
  });
});

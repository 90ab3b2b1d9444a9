// Lines from the supervise helper: parsed into one typed union, guarded, never fatal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeStatus, parseHelperLine, ProtocolError } from '../../../src/os/helper-protocol.js';

describe('helper protocol', () => {
  test('hello carries the version (1 when absent, as before the field) and the cgroup mode', () => {
    assert.deepEqual(parseHelperLine('{"ev":"hello","pid":7,"epoch":"12"}'), { ev: 'hello', pid: 7, epoch: '12', version: 1, cgroup: null, acct: 'wait4' });
    const h = parseHelperLine('{"ev":"hello","pid":7,"epoch":12,"version":"2","cgroup":"v2:/sys/fs/cgroup/x"}');
    assert.deepEqual(h, { ev: 'hello', pid: 7, epoch: '12', version: 2, cgroup: 'v2:/sys/fs/cgroup/x', acct: 'wait4' });
  });

  test('job ids arrive as strings whatever the helper wrote', () => {
    const e = parseHelperLine('{"ev":"adopted","pid":5,"start":1,"job":3}');
    assert.equal(e.ev === 'adopted' && e.job, '3');
  });

  test('an event the daemon does not know passes as unknown, keeping its seq', () => {
    assert.deepEqual(parseHelperLine('{"ev":"future","seq":9,"x":1}'), { ev: 'unknown', seq: 9, name: 'future', raw: { ev: 'future', seq: 9, x: 1 } });
  });

  test('malformed lines are ProtocolErrors naming what is wrong', () => {
    assert.throws(() => parseHelperLine('{"ev":"exit","pid":1'), ProtocolError);
    assert.throws(() => parseHelperLine('[1,2]'), /no event name/);
    assert.throws(() => parseHelperLine('{"ev":"exit","seq":1,"pid":"x","job":"1"}'), /exit: field pid missing or not a number/);
  });

  test('wait statuses decode as <sys/wait.h> does', () => {
    assert.deepEqual(decodeStatus(0x300), { code: 3, signal: null, core: false });
    assert.deepEqual(decodeStatus(0x86), { code: null, signal: 6, core: true });
    assert.deepEqual(decodeStatus(0x9), { code: null, signal: 9, core: false });
  });
});

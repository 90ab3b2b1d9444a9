// The helper's attach protocol as both ends of `appinit fg` and the dashboard's terminal use it:
// frames split anywhere, and the detach keys split across two reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetachScanner, frame, FrameReader } from '../../../src/os/attach-wire.js';

test('frames come out whole however the stream is cut', () => {
  const wire = Buffer.concat([frame('o', Buffer.from('hello')), frame('s', Buffer.from('{"ev":"attached"}')), frame('e', Buffer.alloc(0))]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const got: string[] = [];
    const r = new FrameReader();
    r.push(wire.subarray(0, cut), (t, b) => got.push(`${t}:${b}`));
    r.push(wire.subarray(cut), (t, b) => got.push(`${t}:${b}`));
    assert.deepEqual(got, ['o:hello', 's:{"ev":"attached"}', 'e:'], `cut at ${cut}`);
  }
});

test('Ctrl-\\ then Ctrl-D detaches, also across two reads; a lone Ctrl-\\ is sent on', () => {
  const s = new DetachScanner();
  assert.deepEqual(s.scan(Buffer.from('ab\x1c')), { send: Buffer.from('ab'), detach: false });
  assert.deepEqual(s.scan(Buffer.from('\x04zz')), { send: Buffer.alloc(0), detach: true });
  const t = new DetachScanner();
  assert.deepEqual(t.scan(Buffer.from('x\x1c')), { send: Buffer.from('x'), detach: false });
  assert.deepEqual(t.scan(Buffer.from('y')), { send: Buffer.from('\x1cy'), detach: false });
  assert.deepEqual(new DetachScanner().scan(Buffer.from('q\x1c\x04')), { send: Buffer.from('q'), detach: true });
});

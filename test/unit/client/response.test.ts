// The reader of the daemon's answers (client/response.ts), fed as a connection may cut them: a
// byte at a time, in large pieces, chunked with trailers, with bytes past the end.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseReader } from '../../../src/client/response.js';

// Feeds bytes in pieces of `size`; the answer and at which piece it was whole.
function feed(bytes: Buffer, size: number): { answer: ReturnType<ResponseReader['push']>; at: number; pieces: number; reader: ResponseReader } {
  const reader = new ResponseReader();
  let answer: ReturnType<ResponseReader['push']> = null;
  let at = -1;
  let pieces = 0;
  for (let i = 0; i < bytes.length; i += size, pieces++) {
    const a = reader.push(bytes.subarray(i, i + size));
    if (a && !answer) [answer, at] = [a, pieces];
  }
  return { answer, at, pieces, reader };
}

const chunked = (parts: string[], trailer = '') =>
  Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n${trailer}\r\n`);

describe('ResponseReader', () => {
  test('a content-length answer, whole only at its last byte, fed a byte at a time', () => {
    const body = JSON.stringify({ a: 'é'.repeat(300) });
    const bytes = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const { answer, at, pieces, reader } = feed(bytes, 1);
    assert.equal(at, pieces - 1, 'whole at the last byte, not before');
    assert.equal(answer?.status, 200);
    assert.equal(answer?.body.toString('utf8'), body);
    assert.equal(reader.closes, false, 'the connection can carry the next request');
  });

  test('a large answer in many pieces is put together whole', () => {
    const body = Buffer.alloc(8 << 20, 'x');
    body.write('start', 0);
    body.write('end', body.length - 3);
    const bytes = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`), body]);
    const { answer, pieces } = feed(bytes, 4096);
    assert.ok(pieces > 2000);
    assert.ok(answer && answer.body.equals(body), 'the same 8 MB');
  });

  test('chunked, with a trailer, fed a byte at a time and in one piece: whole at its last chunk', () => {
    const bytes = chunked(['{"a":', '"é\r\n"', '}'], 'X-Trailer: 1\r\n');
    const last = bytes.indexOf('0\r\nX-Trailer') + 3; // the end of the last chunk's line
    for (const size of [1, 3, bytes.length]) {
      const { answer, at, reader } = feed(bytes, size);
      assert.equal(at, Math.ceil(last / size) - 1, `size ${size}: whole once the last chunk is read, not before`);
      assert.equal(answer?.body.toString('utf8'), '{"a":"é\r\n"}', `size ${size}`);
      assert.equal(reader.closes, true, 'its trailer is not read: the connection is not used again');
    }
  });

  test('bytes past the end: the answer, and the connection is not reused', () => {
    const r = new ResponseReader();
    const a = r.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1'));
    assert.equal(a?.body.toString(), '{}');
    assert.equal(r.closes, true);
  });

  test('no framing: the body lasts until the connection ends; 204 has none; Connection: close and HTTP/1.0 close', () => {
    const r = new ResponseReader();
    assert.equal(r.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\nab')), null);
    assert.equal(r.push(Buffer.from('c')), null);
    assert.equal(r.end().body.toString(), 'abc');
    assert.equal(new ResponseReader().push(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))?.status, 204);
    const c = new ResponseReader();
    c.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    assert.equal(c.closes, true);
    const old = new ResponseReader();
    old.push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    assert.equal(old.closes, true);
  });

  test('cut short: before the head, inside the body, inside a chunk; a bad chunk size', () => {
    assert.throws(() => new ResponseReader().end(), /without a whole answer/);
    const r = new ResponseReader();
    r.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    assert.throws(() => r.end(), /short body: 5 of 100 bytes/);
    const c = new ResponseReader();
    c.push(chunked(['abcdef']).subarray(0, 50));
    assert.throws(() => c.end(), /truncated chunked body/);
    assert.throws(() => new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), /bad chunk size/);
    assert.throws(() => new ResponseReader().push(Buffer.from('SSH-2.0-x\r\n\r\n')), /not HTTP/);
  });
});

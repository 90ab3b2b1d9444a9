// trimMalloc (src/os/memory.ts): freed malloc memory goes back to the kernel only when asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { trimMalloc } from '../../../src/os/memory.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const rssMiB = () => process.memoryUsage().rss / 1048576;

test('memory malloc freed and kept by glibc leaves the process after trimMalloc', () => {
  // 24 MiB of 60 KiB buffers: below glibc's mmap threshold, so they live in the malloc heap, and
  // a small block allocated after them keeps the heap's top: free() alone gives nothing back.
  let held: Buffer[] | null = [];
  for (let i = 0; i < 400; i++) held.push(Buffer.alloc(60 * 1024, 1));
  const pin = Buffer.alloc(16, 1);
  held = null;
  gc();
  gc();
  const before = rssMiB();
  assert.equal(trimMalloc(), true, 'glibc has malloc_trim');
  const after = rssMiB();
  assert.ok(before - after >= 10, `RSS went from ${before.toFixed(1)} to ${after.toFixed(1)} MiB: expected at least 10 MiB back`);
  assert.equal(pin.length, 16);
});

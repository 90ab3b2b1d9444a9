// What `up` sees change in the pipes between programs: the readers of each producer's stream,
// indexed once per set of programs (readerIndex) and compared by pipe name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Program } from '../../../src/config/program.js';
import { pipesChange, readerIndex, readersOf } from '../../../src/core/pipes/plan.js';
import { program } from './fixtures.js';

const reads = (name: string, from: string, stream: 'stdout' | 'stderr' = 'stdout'): Program =>
  ({ ...program({ name }), stdin: { kind: 'program', from, stream } }) as Program;
const set = (...ps: Program[]) => ps.map((spec) => ({ spec }));

test('readerIndex: each piped stream\'s readers, sorted, once each, as readersOf lists them', () => {
  const ps = set(program({ name: 'src' }), reads('b', 'src'), reads('a', 'src'), reads('a', 'src'), reads('e', 'src', 'stderr'), program({ name: 'lone' }));
  const idx = readerIndex(ps);
  assert.deepEqual([...idx].sort(), [['src.stderr', 'e'], ['src.stdout', 'a,b']]);
  assert.equal(idx.get('src.stdout'), readersOf('src', 'stdout', ps).join(','));
  assert.equal(idx.get('lone.stdout'), undefined);
});

test('pipesChange: a producer whose readers change, and a reader whose producer gained one; nothing for the rest', () => {
  const before = readerIndex(set(program({ name: 'src' }), reads('a', 'src'), program({ name: 'other' })));
  const after = readerIndex(set(program({ name: 'src' }), reads('a', 'src'), reads('b', 'src'), program({ name: 'other' })));
  assert.equal(pipesChange(program({ name: 'src' }), before, after), 'stdout readers a -> a,b');
  assert.equal(pipesChange(reads('a', 'src'), before, after), "stdin: src's stdout readers a -> a,b");
  assert.equal(pipesChange(program({ name: 'other' }), before, after), '');
  assert.equal(pipesChange(undefined, before, after), '');
  // A producer whose last reader goes, and one that gets its first.
  assert.equal(pipesChange(program({ name: 'src' }), after, readerIndex(set(program({ name: 'src' })))), 'stdout readers a,b -> -');
  assert.equal(pipesChange(program({ name: 'other' }), before, readerIndex(set(reads('x', 'other', 'stderr')))), 'stderr readers - -> x');
});

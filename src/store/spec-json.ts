// The stored text of a program (its JSON), made once per program object: `up` stores each new
// program twice (the programs table, then its job's row), and stringifying 500 programs twice
// was ~10 ms and ~1 MB of garbage of an `up` of 500 (issue 17). A Program is a value: nothing
// changes one once it is read (a new spec is a new object), so its text cannot go stale.
import type { Program } from '../config/program.js';

const texts = new WeakMap<Program, string>();

/** JSON.stringify(p), remembered for as long as p lives. */
export function specJson(p: Program): string {
  let t = texts.get(p);
  if (t === undefined) texts.set(p, (t = JSON.stringify(p)));
  return t;
}

// Pipes and FIFOs between programs (issue 12): `stdin: { from: producer, stream: stderr }`,
// `stdin: { fifo: NAME }` / `stdout: { fifo: NAME }`, and the top-level `fifos:` they name.
// The checks that need the whole file (who exists, cycles, what a FIFO name means) run once
// every program was read, and say file:line:col.
import { resolve } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { describeValue } from './describe.js';
import type { Reporter } from './issues.js';
import { nameError } from './names.js';
import type { FifoRef, InputSource, OutputTarget, SourcePos } from './program.js';
import type { ProgramSpec } from './spec.js';
import { didYouMean } from './suggest.js';
import { str } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

/** A FIFO of the file's `fifos:`: an absolute path and its mode. */
export interface FifoDecl { path: string; mode: number; at: SourcePos }

/** `stdin: { from: NAME, stream: stdout|stderr }` or `{ fifo: NAME }`; `stdout:`/`stderr:`
 *  `{ fifo: NAME }`. A FIFO's path is filled in by checkPipes. */
export function readStreamMap(w: Walker, f: Field, stream: 'stdin' | 'stdout' | 'stderr'): InputSource | OutputTarget | undefined {
  const table = stream === 'stdin' ? { from: ['from'], stream: ['stream'], fifo: ['fifo'] } : { fifo: ['fifo'] };
  const k = w.keys(f, table as Record<'from' | 'stream' | 'fifo', string[]>, stream === 'stdin' ? 'from: PROGRAM (a pipe from its stdout) or fifo: NAME' : 'fifo: NAME');
  if (!k) return undefined;
  if (k.fifo && k.from) return w.fail(f, 'expected either from: (a pipe from a program) or fifo: (a FIFO of fifos:), not both');
  if (k.fifo) {
    const name = str(w, k.fifo, 'a name of fifos:');
    return name === undefined ? undefined : { kind: 'fifo', name, path: '', mode: 0 };
  }
  if (!k.from) return w.fail(f, 'expected from: PROGRAM (a pipe from its stdout) or fifo: NAME');
  const from = str(w, k.from, 'a program name');
  if (from === undefined) return undefined;
  const bad = nameError(from);
  if (bad) return w.fail(k.from, bad);
  let s: 'stdout' | 'stderr' = 'stdout';
  if (k.stream) {
    if (k.stream.value !== 'stdout' && k.stream.value !== 'stderr') return w.fail(k.stream, `expected stdout or stderr, got ${describeValue(k.stream.value)}`);
    s = k.stream.value;
  }
  return { kind: 'program', from, stream: s };
}

/** A mode as chmod writes it: 0600, 600, 0o600 or "0600" (the file's text, since YAML 1.2
 *  reads 0600 as the decimal 600). */
function readMode(w: Walker, f: Field): number | undefined {
  const range = f.node?.range;
  const text = (range ? w.r.text.slice(range[0], range[1]) : String(f.value ?? '')).trim().replace(/^["']|["']$/g, '');
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(text);
  if (m) return parseInt(m[1], 8);
  return w.fail(f, `expected a mode like 0600 (owner read and write), got ${describeValue(f.value)}`);
}

/** The top-level `fifos: { NAME: { path: ./fifo1, mode: 0600 } }` (or `NAME: ./fifo1`). */
export function readFifos(w: Walker, f: Field): Map<string, FifoDecl> {
  const out = new Map<string, FifoDecl>();
  if (w.isEmpty(f)) return out;
  if (!isMap(f.node)) {
    w.fail(f, `expected a mapping of FIFO names to { path, mode }, got ${describeValue(f.value)}`);
    return out;
  }
  for (const e of w.entries(f.node, 'fifos')) {
    const ef = w.field(joinPath('fifos', e.name), e.key, e.value);
    const bad = nameError(e.name);
    if (bad) { w.failKey(ef, bad.replace('a name', 'a FIFO name')); continue; }
    let path: string | undefined;
    let mode = 0o600;
    if (isScalar(ef.node)) path = str(w, ef, 'a path like ./fifo1');
    else {
      const k = w.keys(ef, { path: ['path'], mode: ['mode'] }, 'path: ./fifo1, mode: 0600');
      if (!k) continue;
      if (!k.path) { w.fail(ef, 'missing "path": where the FIFO is made, like path: ./fifo1'); continue; }
      path = str(w, k.path, 'a path like ./fifo1');
      if (k.mode) {
        const m = readMode(w, k.mode);
        if (m === undefined) continue;
        mode = m;
      }
    }
    if (path === undefined) continue;
    out.set(e.name, { path: resolve(w.opts.baseDir, path), mode, at: w.r.pos(e.key.range?.[0] ?? 0) });
  }
  return out;
}

function issue(r: Reporter, at: SourcePos | undefined, fallback: SourcePos, path: string, message: string): void {
  r.issues.push({ ...(at ?? fallback), path, message });
}

/** The whole-file checks: a pipe's producer exists, is not the reader itself and is not part of
 *  a cycle; a read stream is not also sent elsewhere; FIFO names exist (their path and mode are
 *  copied into the program). */
export function checkPipes(r: Reporter, specs: ProgramSpec[], fifos: Map<string, FifoDecl>): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const at = (s: ProgramSpec, setting: string) => r.places.get(s.name)?.[setting];
  for (const s of specs) {
    for (const stream of ['stdin', 'stdout', 'stderr'] as const) {
      const t = s[stream];
      if (t?.kind !== 'fifo') continue;
      const d = fifos.get(t.name);
      if (!d) {
        issue(r, at(s, stream), s.source, `programs.${s.name}.${stream}`, `no FIFO named "${t.name}" in fifos:${didYouMean(t.name, [...fifos.keys()])}`);
        continue;
      }
      (t as FifoRef).path = d.path;
      (t as FifoRef).mode = d.mode;
    }
    const src = s.stdin;
    if (src?.kind !== 'program') continue;
    const where = `programs.${s.name}.stdin`;
    const producer = byName.get(src.from);
    if (src.from === s.name) issue(r, at(s, 'stdin'), s.source, where, 'a program cannot read its own output: that pipe would never carry anything but what it writes itself');
    else if (!producer) issue(r, at(s, 'stdin'), s.source, where, `no program named "${src.from}" in this file${didYouMean(src.from, [...byName.keys()])}`);
    else {
      const target = producer[src.stream];
      if (target && target.kind !== 'log' && !(src.stream === 'stderr' && target.kind === 'stdout')) {
        issue(r, at(producer, src.stream), producer.source, `programs.${producer.name}.${src.stream}`,
          `is read by ${s.name} (stdin: { from: ${producer.name} }), so it goes into that pipe; remove this setting`);
      }
      if (src.stream === 'stderr' && target?.kind === 'stdout') {
        issue(r, at(s, 'stdin'), s.source, where, `${producer.name}'s stderr goes to its stdout (stderr: stdout): read from: ${producer.name} instead`);
      }
      if (producer.tty) issue(r, at(s, 'stdin'), s.source, where, `${producer.name} writes to a terminal (tty:), not to a pipe`);
    }
  }
  // Each program reads at most one other: following `from` from any program either ends or loops.
  const reported = new Set<string>();
  for (const s of specs) {
    const path: string[] = [];
    let cur: ProgramSpec | undefined = s;
    while (cur && cur.stdin?.kind === 'program' && !path.includes(cur.name)) {
      path.push(cur.name);
      cur = byName.get(cur.stdin.from);
    }
    if (!cur || !path.includes(cur.name) || cur.name === (cur.stdin?.kind === 'program' ? cur.stdin.from : '')) continue;
    const loop = [...path.slice(path.indexOf(cur.name)), cur.name];
    const key = [...loop].slice(0, -1).sort().join(',');
    if (reported.has(key)) continue;
    reported.add(key);
    issue(r, at(cur, 'stdin'), cur.source, `programs.${cur.name}.stdin`, `programs read each other's output in a cycle: ${loop.join(' <- ')}; a pipeline starts with a program that reads no other`);
  }
}

// Who reads whose output: the pipes between programs (`stdin: { from: producer }`), as the
// supervise helper names them in spawn frames (native/pipes.h). Pure: the programs in, specs out.
import type { Program } from '../../config/program.js';

/** The name of the pipe carrying a producer's stream: `producer.stdout`. */
export function pipeName(producer: string, stream: 'stdout' | 'stderr'): string {
  return `${producer}.${stream}`;
}

/** The programs reading a producer's stream, sorted and once each (instances share one end). */
export function readersOf(producer: string, stream: 'stdout' | 'stderr', programs: Iterable<{ spec: Program }>): string[] {
  const names = new Set<string>();
  for (const { spec } of programs) {
    if (spec.stdin.kind === 'program' && spec.stdin.from === producer && spec.stdin.stream === stream) names.add(spec.name);
  }
  return [...names].sort();
}

/** The helper's spec of a pipe end: `pipe:NAME:R1,R2` for the producer, `...:Ri` for reader Ri. */
export function pipeSpec(name: string, readers: string[], reader?: string): `pipe:${string}` {
  return `pipe:${name}:${readers.join(',')}${reader ? `:${reader}` : ''}`;
}

/** The stream specs a program's spawn takes from pipes: its stdin when it reads another program,
 *  its stdout/stderr when programs read them. Only what is piped is set. A producer's piped
 *  stream goes to its readers, not to its managed log (as `prog | reader` in a shell). */
export function pipeStreams(p: Program, peers: Iterable<{ spec: Program }>): { stdin?: string; stdout?: `pipe:${string}`; stderr?: `pipe:${string}` } {
  const all = [...peers];
  const out: { stdin?: string; stdout?: `pipe:${string}`; stderr?: `pipe:${string}` } = {};
  if (p.stdin.kind === 'program') {
    const { from, stream } = p.stdin;
    const readers = readersOf(from, stream, [...all, { spec: p }]);
    out.stdin = pipeSpec(pipeName(from, stream), readers, p.name);
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const readers = readersOf(p.name, stream, all);
    if (readers.length > 0) out[stream] = pipeSpec(pipeName(p.name, stream), readers);
  }
  return out;
}

/** Every piped stream's readers in a set of programs, by pipe name (`producer.stdout` ->
 *  `r1,r2`, sorted, once each): made once per set, so an `up` of N programs asks it N times
 *  in O(1) each instead of scanning every program for each (O(N²): 27 ms at 500 programs). */
export type ReaderIndex = ReadonlyMap<string, string>;

export function readerIndex(programs: Iterable<{ spec: Program }>): ReaderIndex {
  const sets = new Map<string, Set<string>>();
  for (const { spec } of programs) {
    if (spec.stdin.kind !== 'program') continue;
    const name = pipeName(spec.stdin.from, spec.stdin.stream);
    const set = sets.get(name) ?? new Set<string>();
    set.add(spec.name);
    sets.set(name, set);
  }
  const out = new Map<string, string>();
  for (const [name, set] of sets) out.set(name, [...set].sort().join(','));
  return out;
}

/** The readers of a producer's streams differ between two sets of programs (`up`): its pipes
 *  must be made again, so the producer restarts with them. '' when they are the same. */
export function readersChange(producer: string, before: ReaderIndex, after: ReaderIndex): string {
  const out: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const name = pipeName(producer, stream);
    const x = before.get(name) ?? '';
    const y = after.get(name) ?? '';
    if (x !== y) out.push(`${stream} readers ${x || '-'} -> ${y || '-'}`);
  }
  return out.join(', ');
}

/** What changes in the pipes a program writes or reads between two sets of programs; ''. */
export function pipesChange(p: Program | undefined, before: ReaderIndex, after: ReaderIndex): string {
  if (!p) return '';
  const own = readersChange(p.name, before, after);
  if (own || p.stdin.kind !== 'program') return own;
  const theirs = readersChange(p.stdin.from, before, after);
  return theirs ? `stdin: ${p.stdin.from}'s ${theirs}` : '';
}

// Coordination in a control file: the top-level `resources:` (mutexes, semaphores and message
// queues the daemon creates, or checks, when the file is loaded) and a program's `needs:` (units
// acquired all at once before the program starts). Every problem is reported at its place.
import { isMap, type Node } from 'yaml';
import { describeValue } from './describe.js';
import type { Reporter } from './issues.js';
import type { SourcePos } from './program.js';
import type { ProgramSpec } from './spec.js';
import { didYouMean } from './suggest.js';
import { int, scalarText, size } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

/** A resource as the control file declares it. value: a semaphore's initial units (a mutex: 1). */
export interface ResourceDecl {
  name: string;
  kind: 'mutex' | 'semaphore' | 'queue';
  value: number;
  maxBytes: number;
  mode: number;
  /** Where it is written, for errors found when the daemon loads it. */
  at: SourcePos;
}

/** The name rule for resources (the API's and the CLI's): 1-64 of letters, digits, _ . : - */
export const RESOURCE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/** A queue's byte limit when none is given (msgmnb's usual 16 KiB). */
export const DEFAULT_QUEUE_BYTES = 16384;

const KINDS = ['mutex', 'semaphore', 'queue'] as const;

function modeOf(w: Walker, f: Field): number | undefined {
  // 0660 is octal digits as in chmod (YAML 1.2 would read it as the decimal 660).
  const m = /^(?:0o)?([0-7]{3,4})$/.exec(scalarText(f.node) ?? '');
  const mode = m ? parseInt(m[1], 8) : NaN;
  if (mode <= 0o777) return mode;
  return w.fail(f, `expected permission bits like 0660, got ${describeValue(f.value)}`);
}

/** `resources: { db: mutex, gpu: { semaphore: 2 }, jobs: { queue: { maxBytes: 16KB }, mode: 0660 } }`. */
export function readResourcesSection(w: Walker, f: Field): ResourceDecl[] | undefined {
  if (w.isEmpty(f)) return [];
  if (!isMap(f.node)) return w.fail(f, `expected a mapping of resource names, like db: mutex, got ${describeValue(f.value)}`);
  const out: ResourceDecl[] = [];
  let ok = true;
  for (const e of w.entries(f.node, 'resources')) {
    const rf = w.field(joinPath('resources', e.name), e.key, e.value);
    const d = readOne(w, rf, e.name);
    if (!RESOURCE_NAME.test(e.name)) {
      w.failKey(rf, 'a resource name is 1 to 64 letters, digits, _ . : or - (not starting with . : or -)');
      ok = false;
    } else if (d) out.push(d);
    else ok = false;
  }
  return ok ? out : undefined;
}

function readOne(w: Walker, f: Field, name: string): ResourceDecl | undefined {
  const at = w.r.pos(f.key?.range?.[0] ?? 0);
  const base = { name, at, value: 0, maxBytes: DEFAULT_QUEUE_BYTES, mode: 0o600 };
  if (typeof f.value === 'string') {
    const kind = KINDS.find((k) => k === f.value);
    if (!kind) return w.fail(f, `expected mutex, semaphore or queue, got ${describeValue(f.value)}${didYouMean(f.value, KINDS)}`);
    return { ...base, kind, value: kind === 'mutex' ? 1 : 0 };
  }
  if (!isMap(f.node)) return w.fail(f, `expected mutex, semaphore, queue or a mapping like { semaphore: 2 }, got ${describeValue(f.value)}`);
  const k = w.keys(f, { mutex: ['mutex'], semaphore: ['semaphore', 'sem'], queue: ['queue'], mode: ['mode'] }, 'one of mutex, semaphore: N or queue, and mode');
  if (!k) return undefined;
  const kinds = KINDS.filter((x) => k[x]);
  if (kinds.length !== 1) {
    return kinds.length > 1 ? w.failKey(k[kinds[1]]!, `a resource is one thing: ${kinds.join(' and ')} are both set; keep one`)
      : w.fail(f, 'expected one of mutex, semaphore: N or queue: { maxBytes: SIZE }');
  }
  const kind = kinds[0];
  const mode = k.mode ? modeOf(w, k.mode) : 0o600;
  const v = k[kind]!;
  let value = kind === 'mutex' ? 1 : 0;
  let maxBytes: number | undefined = DEFAULT_QUEUE_BYTES;
  if (kind === 'mutex' && !w.isEmpty(v) && v.value !== true && !(isMap(v.node) && v.node.items.length === 0)) {
    return w.fail(v, `a mutex takes no settings (write db: mutex), got ${describeValue(v.value)}`);
  }
  if (kind === 'semaphore' && !w.isEmpty(v)) {
    const n = int(w, v, 0, 1_000_000);
    if (n === undefined) return undefined;
    value = n;
  }
  if (kind === 'queue' && !w.isEmpty(v) && v.value !== true) {
    const q = w.keys(v, { maxBytes: ['maxBytes', 'max_bytes'] }, 'queue settings like maxBytes: 16KB');
    if (!q) return undefined;
    if (q.maxBytes) maxBytes = size(w, q.maxBytes, 1);
  }
  if (mode === undefined || maxBytes === undefined) return undefined;
  return { ...base, kind, value, maxBytes, mode };
}

// Where each need was written, by the object readNeeds returned (checked once all is read).
const needPlaces = new WeakMap<Record<string, number>, Map<string, number>>();

/** A program's `needs: { gpu: 1, db: 1 }` (or a list `[db, gpu]`, one unit each). */
export function readNeeds(w: Walker, f: Field): Record<string, number> | undefined {
  if (w.isEmpty(f)) return {};
  const out: Record<string, number> = {};
  const at = new Map<string, number>();
  let ok = true;
  if (Array.isArray(f.value)) {
    (f.node as unknown as { items: unknown[] }).items.forEach((it, i) => {
      const x = w.field(joinPath(f.path, i), null, it);
      if (typeof x.value !== 'string' || !RESOURCE_NAME.test(x.value)) { w.fail(x, `expected a resource name, got ${describeValue(x.value)}`); ok = false; return; }
      out[x.value] = 1;
      at.set(x.value, x.node?.range?.[0] ?? 0);
    });
  } else if (isMap(f.node)) {
    for (const e of w.entries(f.node, f.path)) {
      const x = w.field(joinPath(f.path, e.name), e.key, e.value);
      const n = int(w, x, 1, 1_000_000);
      if (n === undefined) { ok = false; continue; }
      out[e.name] = n;
      at.set(e.name, (e.key as Node).range?.[0] ?? 0);
    }
  } else return w.fail(f, `expected a mapping of resources to units, like { gpu: 1, db: 1 }, got ${describeValue(f.value)}`);
  if (!ok) return undefined;
  needPlaces.set(out, at);
  return out;
}

/** Each need names a mutex or semaphore of this file's `resources:`, for no more units than it has. */
export function checkNeeds(r: Reporter, specs: ProgramSpec[], decls: ResourceDecl[]): void {
  const byName = new Map(decls.map((d) => [d.name, d]));
  for (const s of specs) {
    const needs = s.needs;
    if (!needs) continue;
    const at = needPlaces.get(needs);
    for (const [name, n] of Object.entries(needs)) {
      const where = at?.get(name) ?? 0;
      const path = `programs.${s.name}.needs.${name}`;
      const d = byName.get(name);
      if (!d) r.add(where, path, `no resource named "${name}" under resources: in this file${didYouMean(name, [...byName.keys()])}; declare it, like ${name}: mutex`);
      else if (d.kind === 'queue') r.add(where, path, `${name} is a message queue: a program can need a mutex or a semaphore`);
      else if (n > d.value) r.add(where, path, `${name} has ${d.value} unit${d.value === 1 ? '' : 's'}, this program needs ${n}: it could never start`);
    }
  }
}

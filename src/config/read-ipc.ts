// The control file's top-level `ipc:`: System V objects by name.
//   ipc:
//     jobs:   { queue: { key: 0x3039, mode: 0600, maxBytes: 16KB } }
//     counts: { semaphores: { key: private, count: 2, values: [1, 0] } }
//     board:  { shm: { size: 4KB } }
import { isMap, isSeq } from 'yaml';
import { envName, type IpcObjectSpec } from '../core/ipc/spec.js';
import { describeValue } from './describe.js';
import { nameError } from './names.js';
import { int, scalarText, size, str } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

const KINDS = { queue: ['queue', 'msg', 'mq'], semaphores: ['semaphores', 'sem', 'semaphore'], shm: ['shm', 'shared_memory', 'sharedMemory'], user: ['user', 'owner'] };

// Octal permission bits: 0600 and 0o600 (YAML 1.2 reads a bare 0600 as the number 600).
function mode(w: Walker, f: Field): number | undefined {
  const m = /^(?:0o?)?([0-7]{3})$/.exec(scalarText(f.node) ?? '');
  return m ? parseInt(m[1], 8) : w.fail(f, `expected octal permission bits like 0600, got ${describeValue(f.value)}`);
}

// A key: `private` (IPC_PRIVATE), or a number (0x3039, 12345) from 1 to 0xffffffff.
function key(w: Walker, f: Field): number | undefined {
  const text = (scalarText(f.node) ?? '').trim();
  if (text === 'private' || text === 'IPC_PRIVATE') return 0;
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= 0xffffffff) return n | 0;
  return w.fail(f, `expected a key like 0x3039 or 12345 (or private), got ${describeValue(f.value)}`);
}

function readObject(w: Walker, name: string, f: Field): IpcObjectSpec | undefined {
  const k = w.keys(f, KINDS, 'one of queue, semaphores or shm');
  if (!k) return undefined;
  const kinds = (['queue', 'semaphores', 'shm'] as const).filter((x) => k[x]);
  if (kinds.length !== 1) {
    return kinds.length > 1 ? w.failKey(k[kinds[1]]!, `one kind per object: ${kinds.join(' and ')} are both set; give each its own name`)
      : w.fail(f, 'expected one of queue: {...}, semaphores: {...} or shm: {...}');
  }
  const kind = kinds[0];
  const kf = k[kind]!;
  const table: Record<string, string[]> = kind === 'queue' ? { key: ['key'], mode: ['mode', 'perms'], maxBytes: ['maxBytes', 'max_bytes', 'qbytes'] }
    : kind === 'semaphores' ? { key: ['key'], mode: ['mode', 'perms'], count: ['count', 'nsems'], values: ['values', 'value'] }
    : { key: ['key'], mode: ['mode', 'perms'], size: ['size', 'bytes'] };
  const s = w.keys(kf, table, `${kind} settings`) as Partial<Record<'key' | 'mode' | 'maxBytes' | 'count' | 'values' | 'size', Field>> | undefined;
  if (!s) return undefined;
  const spec: IpcObjectSpec = { name, kind, key: 0, mode: 0o600, maxBytes: null, count: 1, values: [], size: 0, user: null };
  let ok = true;
  const take = <T>(v: T | undefined, set: (v: T) => void) => (v === undefined ? (ok = false) : set(v));
  if (s.key) take(key(w, s.key), (v) => (spec.key = v));
  if (s.mode) take(mode(w, s.mode), (v) => (spec.mode = v));
  if (s.maxBytes) take(size(w, s.maxBytes, 1), (v) => (spec.maxBytes = v));
  if (s.count) take(int(w, s.count, 1, 32000), (v) => (spec.count = v));
  if (kind === 'shm') {
    if (!s.size) return w.fail(kf, 'expected size: (bytes, like 4KB)');
    take(size(w, s.size, 1), (v) => (spec.size = v));
  }
  if (s.values) {
    const items = isSeq(s.values.node) ? s.values.node.items.map((it, i) => w.field(joinPath(s.values!.path, i), null, it)) : [s.values];
    const vals = items.map((it) => int(w, it, 0, 32767));
    if (vals.some((v) => v === undefined)) ok = false;
    else spec.values = vals as number[];
    if (ok && s.count && spec.values.length !== spec.count) {
      w.fail(s.values, `${spec.values.length} values for count: ${spec.count}; give one value per semaphore`);
      ok = false;
    }
    if (ok && !s.count) spec.count = spec.values.length;
  }
  if (kind === 'semaphores' && spec.values.length === 0) spec.values = Array(spec.count).fill(0);
  if (k.user) take(str(w, k.user, 'a user name or uid'), (v) => (spec.user = v));
  return ok ? spec : undefined;
}

/** The objects of an `ipc:` section (problems go to the walker's reporter). */
export function readIpc(w: Walker, f: Field): IpcObjectSpec[] {
  if (w.isEmpty(f)) return [];
  if (!isMap(f.node)) {
    w.fail(f, `expected a mapping of object names to { queue | semaphores | shm: settings }, got ${describeValue(f.value)}`);
    return [];
  }
  const out: IpcObjectSpec[] = [];
  const keys = new Map<string, string>();
  const envs = new Map<string, string>();
  for (const e of w.entries(f.node, f.path)) {
    const ef = w.field(joinPath(f.path, e.name), e.key, e.value);
    const bad = nameError(e.name);
    if (bad) {
      w.failKey(ef, bad.replace('a name', 'an object name'));
      continue;
    }
    // Two names that differ only where the variable has "_" (a-b, a_b, A.B) would hand programs
    // one APPINIT_IPC_ variable for two objects: the second one is refused here, at its line.
    // (Each object gives two: APPINIT_IPC_X and APPINIT_IPC_X_KEY, so "x_key" clashes with "x".)
    const vars = [envName(e.name), `${envName(e.name)}_KEY`];
    const clash = vars.find((v) => envs.has(v));
    if (clash) {
      w.failKey(ef, `gives programs the same ${clash} as "${envs.get(clash)}"; rename one of them`);
      continue;
    }
    for (const v of vars) envs.set(v, e.name);
    const spec = readObject(w, e.name, ef);
    if (!spec) continue;
    const pos = w.r.pos((e.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0);
    spec.at = { file: w.r.file, line: pos.line, col: pos.col };
    const same = `${spec.kind}:${spec.key}`;
    if (spec.key !== 0 && keys.has(same)) {
      w.failKey(ef, `the same key as "${keys.get(same)}"; two objects of one kind need two keys`);
      continue;
    }
    keys.set(same, e.name);
    out.push(spec);
  }
  return out;
}

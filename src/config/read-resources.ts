// The settings added for PM2 and supervisord users: group, priority, after, health,
// max_memory, limits, rlimits and watch. Each reports its own problems (see values.ts).
import { isMap, isScalar, isSeq } from 'yaml';
import { describeValue } from './describe.js';
import { nameError } from './names.js';
import { DEFAULTS, type HealthCheck, type Limits, type Program, type WatchOptions } from './program.js';
import { splitCommand, SplitError } from './split.js';
import { duration, int, scalarText, size, str } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

/** A group name: the same rule as program names, since it is written `web:*`. */
export function readGroup(w: Walker, f: Field): string | undefined {
  const v = str(w, f, 'a group name like "web"');
  if (v === undefined) return undefined;
  const bad = nameError(v);
  return bad ? w.fail(f, bad.replace('a name', 'a group name')) : v;
}

/** What a program waits for: names that must be ready (`after: [db]`), or with a map, names that
 *  must be ready or must have exited successfully (`after: { migrate: exited, db: ready }`).
 *  Existence and cycles are checked by the document. */
export function readAfter(w: Walker, f: Field): { after: string[]; afterExited: string[] } | undefined {
  const after: string[] = [];
  const afterExited: string[] = [];
  let ok = true;
  if (isMap(f.node)) {
    for (const item of f.node.items) {
      const name = scalarText(item.key as never) ?? '';
      const kf = w.field(joinPath(f.path, name), item.key as never, item.value);
      const bad = nameError(name);
      const cond = typeof kf.value === 'string' ? kf.value : '';
      if (bad) { w.failKey(kf, bad); ok = false; continue; }
      if (cond === 'ready' || cond === 'running' || cond === 'started') after.push(name);
      else if (cond === 'exited' || cond === 'completed' || cond === 'done') afterExited.push(name);
      else { w.fail(kf, `expected ready (running, before this one starts) or exited (ended successfully first), got ${describeValue(kf.value)}`); ok = false; }
    }
    return ok ? { after, afterExited } : undefined;
  }
  const items = isSeq(f.node) ? f.node.items.map((it, i) => w.field(joinPath(f.path, i), null, it)) : [f];
  for (const it of items) {
    const v = typeof it.value === 'string' ? it.value : undefined;
    const bad = v === undefined ? `expected a program name, a list of them, or a map like { migrate: exited }, got ${describeValue(it.value)}` : nameError(v);
    if (bad) {
      w.fail(it, bad);
      ok = false;
    } else if (!after.includes(v!)) after.push(v!);
  }
  return ok ? { after, afterExited } : undefined;
}

const HEALTH_KEYS = {
  http: ['http'], tcp: ['tcp'], exec: ['exec'], every: ['every', 'interval'], timeout: ['timeout'], failures: ['failures', 'retries'],
};

/** `health: { http: URL | tcp: PORT | exec: CMD, every, timeout, failures }`. */
export function readHealth(w: Walker, f: Field): HealthCheck | null | undefined {
  if (f.value === false || w.isEmpty(f)) return null;
  const k = w.keys(f, HEALTH_KEYS, 'health settings like http: http://127.0.0.1:8080/health');
  if (!k) return undefined;
  const kinds = (['http', 'tcp', 'exec'] as const).filter((x) => k[x]);
  if (kinds.length !== 1) {
    const at = kinds.length > 1 ? k[kinds[1]]! : f;
    return kinds.length > 1 ? w.failKey(at, `one check per program: ${kinds.join(' and ')} are both set; keep one`)
      : w.fail(f, 'expected one of http: URL, tcp: PORT or exec: COMMAND');
  }
  const kind = kinds[0];
  const t = k[kind]!;
  let target: string | string[] | undefined;
  if (kind === 'http') {
    const url = str(w, t, 'a URL like "http://127.0.0.1:8080/health"');
    if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) w.fail(t, `expected a URL starting with http:// or https://, got ${describeValue(url)}`);
    else target = url;
  } else if (kind === 'tcp') {
    const text = scalarText(t.node) ?? '';
    const m = /^(?:(.+):)?(\d{1,5})$/.exec(text);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) w.fail(t, `expected a port like 8080 or "host:8080", got ${describeValue(t.value)}`);
    else target = `${m[1] ?? '127.0.0.1'}:${m[2]}`;
  } else target = readArgv(w, t);
  const every = k.every ? duration(w, k.every, 1) : DEFAULTS.health.every;
  const timeout = k.timeout ? duration(w, k.timeout, 1) : DEFAULTS.health.timeout;
  const failures = k.failures ? int(w, k.failures, 1, 1000) : DEFAULTS.health.failures;
  if (target === undefined || every === undefined || timeout === undefined || failures === undefined) return undefined;
  return { kind, target, every, timeout, failures };
}

/** A command as a string (split like `command:`) or a list of arguments. */
function readArgv(w: Walker, f: Field): string[] | undefined {
  if (isSeq(f.node)) {
    const args = f.node.items.map((it) => scalarText(w.resolve(it)));
    if (args.length === 0 || args.some((a) => a === undefined)) return w.fail(f, 'expected a non-empty list of string arguments');
    return args as string[];
  }
  const text = str(w, f, 'a command like "curl -f http://127.0.0.1/"');
  if (text === undefined) return undefined;
  try {
    const argv = splitCommand(text);
    return argv.length ? argv : w.fail(f, 'expected a command, got only a comment');
  } catch (e) {
    if (e instanceof SplitError) return w.fail(f, e.reason);
    throw e;
  }
}

/** `limits: { pids: 200, memory: 512MB, cpu: 50% }` (cpu: percent of one CPU). */
export function readLimits(w: Walker, f: Field): Partial<Limits> | undefined {
  const k = w.keys(f, { pids: ['pids'], memory: ['memory'], cpu: ['cpu'] }, 'limits like pids: 200');
  if (!k) return undefined;
  let cpu: number | undefined;
  if (k.cpu) {
    const text = scalarText(k.cpu.node) ?? '';
    const m = /^(\d+(?:\.\d+)?)%?$/.exec(text);
    const n = m ? Number(m[1]) : NaN;
    if (n > 0 && n <= 100_000) cpu = n;
    else w.fail(k.cpu, `expected a percentage of one CPU like 50% (200% is two CPUs), got ${describeValue(k.cpu.value)}`);
  }
  return { pids: k.pids && int(w, k.pids, 1, 4_194_304), memory: k.memory && size(w, k.memory, 4096), cpu };
}

// setrlimit's names (without RLIMIT_); those in bytes also take sizes like "1GB".
const RLIMITS = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];
const RLIMIT_BYTES = new Set(['as', 'core', 'data', 'fsize', 'memlock', 'msgqueue', 'rss', 'stack']);

/** `rlimits: { nofile: 4096, core: unlimited, nproc: { soft: 100, hard: 200 } }`. */
export function readRlimits(w: Walker, f: Field): Program['rlimits'] | undefined {
  if (w.isEmpty(f)) return {};
  if (!isMap(f.node)) return w.fail(f, `expected a mapping like nofile: 4096, got ${describeValue(f.value)}`);
  const table = Object.fromEntries(RLIMITS.map((n) => [n, [n, `RLIMIT_${n.toUpperCase()}`]])) as Record<string, string[]>;
  const k = w.keys(f, table, 'rlimits like nofile: 4096');
  if (!k) return undefined;
  const out: Program['rlimits'] = {};
  let ok = true;
  for (const [name, v] of Object.entries(k) as [string, Field][]) {
    const one = (x: Field): number | null | undefined => {
      if (x.value === 'unlimited' || x.value === 'infinity') return null;
      if (RLIMIT_BYTES.has(name) && typeof x.value === 'string') return size(w, x);
      return int(w, x, 0);
    };
    let soft: number | null | undefined;
    let hard: number | null | undefined;
    if (isMap(v.node)) {
      const sk = w.keys(v, { soft: ['soft'], hard: ['hard'] }, 'soft and hard');
      soft = sk?.soft ? one(sk.soft) : undefined;
      hard = sk?.hard ? one(sk.hard) : undefined;
      if (sk && !sk.soft && !sk.hard) w.fail(v, 'expected soft, hard or both');
      if (sk?.soft && !sk.hard) hard = soft;
      if (sk?.hard && !sk.soft) soft = hard;
    } else soft = hard = one(v);
    if (soft === undefined || hard === undefined) {
      ok = false;
      continue;
    }
    if (hard !== null && (soft === null || soft > hard)) {
      w.fail(v, `the soft limit (${soft ?? 'unlimited'}) is above the hard limit (${hard}); lower soft or raise hard`);
      ok = false;
      continue;
    }
    out[name] = { soft, hard };
  }
  return ok ? out : undefined;
}

/** `watch: true` (the cwd), a path, a list of paths, or { paths, ignore, debounce }. Paths stay relative here. */
export function readWatch(w: Walker, f: Field): WatchOptions | null | undefined {
  if (f.value === false || w.isEmpty(f)) return null;
  if (f.value === true) return { paths: ['.'], ignore: [], debounce: DEFAULTS.watchDebounce };
  const list = (x: Field, what: string): string[] | undefined => {
    const items = isSeq(x.node) ? x.node.items.map((it, i) => w.field(joinPath(x.path, i), null, it)) : [x];
    const out = items.map((it) => str(w, it, what));
    return out.every((s) => s !== undefined) && out.length > 0 ? (out as string[]) : undefined;
  };
  if (isScalar(f.node) || isSeq(f.node)) {
    const paths = list(f, 'a path to watch');
    return paths && { paths, ignore: [], debounce: DEFAULTS.watchDebounce };
  }
  const k = w.keys(f, { paths: ['paths', 'path'], ignore: ['ignore'], debounce: ['debounce'] }, 'watch settings like paths: [src/]');
  if (!k) return undefined;
  const paths = k.paths ? list(k.paths, 'a path to watch') : ['.'];
  const ignore = k.ignore ? list(k.ignore, 'a pattern like "*.log"') : [];
  const debounce = k.debounce ? duration(w, k.debounce) : DEFAULTS.watchDebounce;
  if (!paths || !ignore || debounce === undefined) return undefined;
  return { paths, ignore, debounce };
}

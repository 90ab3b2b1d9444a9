// Service-management settings: health, max_memory, watch, priority. (cfg owns the full
// parser; this is the minimal reading the svc behaviour and its tests need, in one file.)
import { isSeq } from 'yaml';
import { describeValue } from './describe.js';
import { DEFAULTS, type HealthCheck, type WatchOptions } from './program.js';
import { readCommand } from './read-command.js';
import { duration, int, size, str } from './values.js';
import { joinPath, type Field, type Walker } from './yaml-nodes.js';

/** The keys this file reads, as PROGRAM_KEYS spells them. */
export const SVC_KEYS = {
  health: ['health'],
  maxMemory: ['max_memory', 'maxMemory'],
  watch: ['watch'],
  priority: ['priority'],
  after: ['after'],
};

/** `health: { http: URL | tcp: PORT | exec: [CMD], every, timeout, failures }`. */
export function readHealth(w: Walker, f: Field): HealthCheck | undefined {
  const table = { http: ['http'], tcp: ['tcp'], exec: ['exec'], every: ['every', 'interval'], timeout: ['timeout'], failures: ['failures', 'retries'] };
  const k = w.keys(f, table, 'health settings like http: http://localhost:8080/health');
  if (!k) return undefined;
  const probes = (['http', 'tcp', 'exec'] as const).filter((p) => k[p]);
  if (probes.length !== 1) {
    return w.fail(f, probes.length === 0 ? 'expected one probe: http: URL, tcp: PORT or exec: [COMMAND, ARGS...]' : `expected one probe, got ${probes.join(' and ')}; keep one`);
  }
  const kind = probes[0];
  const pf = k[kind]!;
  let target: string | string[] | undefined;
  if (kind === 'http') {
    const url = str(w, pf, 'a URL like http://localhost:8080/health');
    if (url !== undefined && !/^https?:\/\/./.test(url)) w.fail(pf, `expected an http:// or https:// URL, got ${describeValue(url)}`);
    else target = url;
  } else if (kind === 'tcp') {
    if (typeof pf.value === 'number') target = String(int(w, pf, 1, 65535) ?? '');
    else if (typeof pf.value === 'string' && /^(.+:)?\d{1,5}$/.test(pf.value) && Number(pf.value.split(':').pop()) <= 65535) target = pf.value;
    else w.fail(pf, `expected a port like 8080 or host:port like "127.0.0.1:8080", got ${describeValue(pf.value)}`);
    if (target === '') target = undefined;
  } else {
    target = readCommand(w, pf, false)?.argv;
  }
  const every = k.every ? duration(w, k.every, 1) : DEFAULTS.health.every;
  const timeout = k.timeout ? duration(w, k.timeout, 1) : DEFAULTS.health.timeout;
  const failures = k.failures ? int(w, k.failures, 1) : DEFAULTS.health.failures;
  if (target === undefined || every === undefined || timeout === undefined || failures === undefined) return undefined;
  return { kind, target, every, timeout, failures };
}

/** `watch: [PATHS]` or `watch: { paths, ignore, debounce }`; paths stay relative here (normalize resolves them). */
export function readWatch(w: Walker, f: Field): WatchOptions | undefined {
  if (isSeq(f.node) || typeof f.value === 'string') {
    const paths = strings(w, f, 'paths');
    return paths && { paths, ignore: [], debounce: DEFAULTS.watchDebounce };
  }
  const k = w.keys(f, { paths: ['paths'], ignore: ['ignore'], debounce: ['debounce'] }, 'watch settings like paths: [src/]');
  if (!k) return undefined;
  if (!k.paths) return w.fail(f, 'missing "paths": the files or directories to watch, like paths: [src/]');
  const paths = strings(w, k.paths, 'paths');
  const ignore = k.ignore ? strings(w, k.ignore, 'ignore patterns') : [];
  const debounce = k.debounce ? duration(w, k.debounce) : DEFAULTS.watchDebounce;
  if (!paths || !ignore || debounce === undefined) return undefined;
  return { paths, ignore, debounce };
}

/** `max_memory: 500MB` in bytes. */
export function readMaxMemory(w: Walker, f: Field): number | undefined {
  return size(w, f, 1);
}

/** `priority: N`, lower starts first. */
export function readPriority(w: Walker, f: Field): number | undefined {
  return int(w, f, 0, 1_000_000);
}

/** `after: NAME` or `after: [NAMES]`. */
export function readAfter(w: Walker, f: Field): string[] | undefined {
  return strings(w, f, 'program names');
}

/** One string or a non-empty list of them. */
function strings(w: Walker, f: Field, what: string): string[] | undefined {
  if (typeof f.value === 'string' && f.value !== '') return [f.value];
  if (!isSeq(f.node)) return w.fail(f, `expected a list of ${what}, got ${describeValue(f.value)}`);
  const out = f.node.items.map((it, i) => str(w, w.field(joinPath(f.path, i), null, it)));
  if (out.length === 0 && what !== 'ignore patterns') return w.fail(f, `expected at least one of ${what}`);
  return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
}

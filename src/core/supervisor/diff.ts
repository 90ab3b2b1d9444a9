// What changed between two versions of a program, for `up` to show before it restarts one.
// Environment values are not shown (they may be secrets); their names are.
import type { Program } from '../../config/program.js';
import { specJson } from '../../store/spec-json.js';

/** JSON with object keys sorted: the same value gives the same text whatever order its keys were set in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

// What JSON keeps of an object's property: undefined, functions and symbols are left out.
const kept = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';

/**
 * True when two values have the same JSON, whatever order their keys were set in: canonical(a) ===
 * canonical(b), without writing either out. `up` compares every stored program with the file's
 * (two canonical texts per program cost ~14 ms of an unchanged `up` of 50, issue 17); leaves that
 * differ, and objects with toJSON, take canonical's way.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Two different leaves (or a leaf and an object) can still write the same: NaN and null, 1 and 1.0.
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return canonical(a) === canonical(b);
  const ja = 'toJSON' in a && typeof (a as { toJSON: unknown }).toJSON === 'function';
  const jb = 'toJSON' in b && typeof (b as { toJSON: unknown }).toJSON === 'function';
  if (ja || jb) return canonical(a) === canonical(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // In an array JSON writes a left-out value as null.
    for (let i = 0; i < a.length; i++) if (!sameJson(kept(a[i]) ? a[i] : null, kept(b[i]) ? b[i] : null)) return false;
    return true;
  }
  return sameFields(a as Record<string, unknown>, b as Record<string, unknown>, null);
}

// Two plain objects' JSON-kept properties, but `skip` and `skip2`, are the same.
function sameFields(ra: Record<string, unknown>, rb: Record<string, unknown>, skip: string | null, skip2: string | null = null): boolean {
  let n = 0;
  for (const k of Object.keys(ra)) {
    if (k === skip || k === skip2 || !kept(ra[k])) continue;
    n++;
    if (!Object.prototype.hasOwnProperty.call(rb, k) || !kept(rb[k]) || !sameJson(ra[k], rb[k])) return false;
  }
  for (const k of Object.keys(rb)) if (k !== skip && k !== skip2 && kept(rb[k])) n--;
  return n === 0;
}

/** True when two programs do the same thing (where they were written does not count). */
export function sameProgram(a: Program, b: Program): boolean {
  // Most programs of an `up` are unchanged, and their stored texts are made anyway (specJson
  // remembers them): the same text is the same program. Texts that differ (another position in
  // the file, keys set in another order) are compared field by field.
  if (specJson(a) === specJson(b)) return true;
  return sameFields(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, 'source');
}

/** True when two programs differ at most in how many instances run (a scale: the instances kept
 *  need not restart, as `docker compose up` leaves a service's containers when only its scale changed). */
export function sameButInstances(a: Program, b: Program): boolean {
  return sameFields(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, 'source', 'instances');
}

/** The settings that differ ("command", "env +PORT ~DEBUG -OLD", "instances 1 -> 3"), in Program order. */
export function describeChange(old: Program, now: Program, runningInstances = old.instances): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(now), ...Object.keys(old)] as (keyof Program)[]);
  for (const k of keys) {
    if (k === 'source' || k === 'commandText') continue;
    if (k === 'instances') {
      if (runningInstances !== now.instances) out.push(`instances ${runningInstances} -> ${now.instances}`);
      continue;
    }
    if (sameJson(old[k], now[k])) continue;
    if (k === 'env') out.push(`env ${envChanges(old.env ?? {}, now.env ?? {}).join(' ')}`);
    else if (k === 'argv') out.push('command');
    else if (k === 'schedule') out.push(scheduleKey(now) ?? scheduleKey(old) ?? 'schedule');
    else out.push(fileKey(k));
  }
  return [...new Set(out)];
}

// What the control file calls a setting (`stop.timeout`, `success_codes`), not its field's name
// here: `~ web (changed: stopTimeout)` named nothing the person wrote.
const FILE_KEYS: Partial<Record<keyof Program, string>> = {
  stopSignal: 'stop.signal', stopTimeout: 'stop.timeout', afterExited: 'after', unixGroup: 'unix_group',
};
// cron:, at: or every: (the schedule's kind is the key that was written).
function scheduleKey(p: Program): string | null {
  const kind = (p.schedule as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && kind !== 'service' ? kind : null;
}
function fileKey(k: keyof Program): string {
  return FILE_KEYS[k] ?? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Names of added (+), changed (~) and removed (-) variables. */
export function envChanges(old: Record<string, string>, now: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(now)) if (!(k in old)) out.push(`+${k}`);
  else if (old[k] !== v) out.push(`~${k}`);
  for (const k of Object.keys(old)) if (!(k in now)) out.push(`-${k}`);
  return out;
}

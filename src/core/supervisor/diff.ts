// What changed between two versions of a program, for `up` to show before it restarts one.
// Environment values are not shown (they may be secrets); their names are.
import type { Program } from '../../config/program.js';

/** JSON with object keys sorted: the same value gives the same text whatever order its keys were set in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** True when two programs do the same thing (where they were written does not count). */
export function sameProgram(a: Program, b: Program): boolean {
  return canonical({ ...a, source: null }) === canonical({ ...b, source: null });
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
    if (canonical(old[k]) === canonical(now[k])) continue;
    if (k === 'env') out.push(`env ${envChanges(old.env ?? {}, now.env ?? {}).join(' ')}`);
    else if (k === 'argv') out.push('command');
    else out.push(k);
  }
  return out;
}

/** Names of added (+), changed (~) and removed (-) variables. */
export function envChanges(old: Record<string, string>, now: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(now)) if (!(k in old)) out.push(`+${k}`);
  else if (old[k] !== v) out.push(`~${k}`);
  for (const k of Object.keys(old)) if (!(k in now)) out.push(`-${k}`);
  return out;
}

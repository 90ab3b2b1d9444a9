// What changed between two versions of a program, for `up` to show before it restarts one.
// Environment values are not shown (they may be secrets); their names are.
import type { Program } from '../../config/program.js';

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
    if (JSON.stringify(old[k]) === JSON.stringify(now[k])) continue;
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

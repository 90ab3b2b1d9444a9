// Which log streams a request names: a live program or job, else a finished run remembered by the
// history, else a directory under logs/ (root, or its owner, only). Names are checked before they
// become paths. Nothing here depends on the live job table alone.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../../config/program.js';
import type { LogSource } from '../../core/logs/emit.js';
import { streamFiles } from '../../core/logs/files.js';
import { managedStreams, type LogHistory } from '../../core/logs/history.js';
import { logDirOf } from '../../core/logs/names.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../routes.js';
import { byName } from '../../core/compare.js';

/** What a request reads. `named`: a single program was asked for by name. */
export interface Resolved {
  sources: LogSource[];
  names: string[];
  /** Names whose logs have no timestamps (log.timestamps: none). */
  unstamped: string[];
  /** For one program asked for by name: where its streams that are not in the managed log go
   *  ("stdout goes to /srv/app.out"), so that `logs web` does not look like the program said nothing. */
  elsewhere?: string[];
}

// Where a stream goes when it is not the managed log; null when it is.
function target(p: Program, stream: 'stdout' | 'stderr'): string | null {
  const t = stream === 'stderr' && p.stderr.kind === 'stdout' ? p.stdout : p[stream];
  if (t.kind === 'log' || t.kind === 'stdout') return null;
  if (t.kind === 'null') return '/dev/null';
  if (t.kind === 'fifo') return `the FIFO ${t.name} (${t.path})`;
  return t.path;
}

function elsewhere(p: Program, only?: 'stdout' | 'stderr'): string[] {
  const out: string[] = [];
  for (const s of only ? [only] : (['stdout', 'stderr'] as const)) {
    const where = target(p, s);
    if (where !== null) out.push(`${p.name}: its ${s} goes to ${where}, not to the managed log`);
  }
  return out;
}

const FILE = { stdout: 'out.log', stderr: 'err.log' } as const;

function checked(logsDir: string, name: string): string {
  try {
    return logDirOf(logsDir, name);
  } catch (err) {
    throw new ApiError(400, 'bad_name', (err as Error).message);
  }
}

function sourcesOf(logsDir: string, name: string, streams: ('stdout' | 'stderr')[], stamped: boolean, only?: 'stdout' | 'stderr'): LogSource[] {
  const dir = checked(logsDir, name);
  return streams.filter((s) => !only || s === only).map((stream) => ({ name, stream, live: join(dir, FILE[stream]), stamped }));
}

/** The live files of a program's managed log streams (for the maintainer and flush). */
export function streamPaths(logsDir: string, p: Program): string[] {
  return managedStreams(p).map((s) => join(checked(logsDir, p.name), FILE[s]));
}

/** Resolves a request's name (null: every program the caller can see) to its log sources. */
export function resolveSources(ctx: ApiContext, history: LogHistory, uid: number, name: string | null, only?: 'stdout' | 'stderr'): Resolved {
  const logsDir = ctx.spawnCtx.logsDir;
  const mine = [...ctx.sup.jobs.values()].filter((j) => uid === 0 || j.ownerUid === uid);
  const programs = new Map<string, Program>();
  if (name == null || name === 'all') {
    for (const j of mine) programs.set(j.spec.name, j.spec);
  } else {
    const n = name.replace(/^%/, '');
    const live = mine.find((j) => j.program === name || j.spec.name === name || String(j.number) === n);
    if (live) programs.set(live.spec.name, live.spec);
  }
  if (programs.size || name == null || name === 'all') {
    const ps = [...programs.values()].sort((a, b) => byName(a.name, b.name));
    return {
      sources: ps.flatMap((p) => sourcesOf(logsDir, p.name, managedStreams(p), p.log.timestamps !== 'none', only)),
      names: ps.map((p) => p.name),
      unstamped: ps.filter((p) => p.log.timestamps === 'none').map((p) => p.name),
      ...(name != null && name !== 'all' && ps.length === 1 ? { elsewhere: elsewhere(ps[0], only) } : {}),
    };
  }
  // A finished run: its job may be forgotten, its logs are not.
  const dir = checked(logsDir, name);
  const past = history.find(name);
  if (past && (uid === 0 || past.ownerUid === uid)) {
    return { sources: sourcesOf(logsDir, name, past.streams, past.timestamps !== 'none', only), names: [name], unstamped: past.timestamps === 'none' ? [name] : [] };
  }
  if (existsSync(dir) && (uid === 0 || statSync(dir).uid === uid)) {
    const streams = (['stdout', 'stderr'] as const).filter((s) => streamFiles(join(dir, FILE[s])).length > 0);
    if (streams.length) return { sources: sourcesOf(logsDir, name, [...streams], true, only), names: [name], unstamped: [] };
  }
  throw new ApiError(404, 'not_found', `no program, job or logs named "${name}"`);
}

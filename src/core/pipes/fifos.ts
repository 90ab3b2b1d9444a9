// The FIFOs of the loaded control file: made on `up` (owned by the programs' user when they run
// as another one), removed when a file no longer names them and on `down`. Only FIFOs appinit
// made are removed; one that was there before is left as it was found.
import { ConfigError, type ConfigIssue, type FifoRef, type Program } from '../../config/program.js';
import { placeOf } from '../../config/places.js';
import { makeFifo, removeFifo } from '../../os/fifo.js';
import { lookupUser } from '../../os/proc/index.js';
import { getMeta, setMeta, type Db } from '../../store/db.js';
import { lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const MADE = 'pipes_fifos'; // meta key: JSON list of the paths appinit made

/** Every FIFO the programs name, by path, with the first program that names it. */
export function fifosOf(programs: Program[]): Map<string, { ref: FifoRef; program: Program; stream: string }> {
  const out = new Map<string, { ref: FifoRef; program: Program; stream: string }>();
  for (const p of programs) {
    for (const stream of ['stdin', 'stdout', 'stderr'] as const) {
      const t = p[stream];
      if (t.kind !== 'fifo' || !t.path) continue;
      const seen = out.get(t.path);
      // The owner is a program's that runs as another user; the first such one in the file.
      if (!seen || (seen.program.user == null && p.user != null)) out.set(t.path, { ref: t, program: p, stream });
    }
  }
  return out;
}

// By the uid of whoever loaded the file (a system daemon serves many users): one user's `up`
// makes and removes only the FIFOs of that user's file. An older store kept one list: its owner's.
function madeBy(db: Db): Record<string, string[]> {
  try {
    const v = JSON.parse(getMeta(db, MADE) ?? '{}') as unknown;
    if (Array.isArray(v)) return { [String(process.getuid?.() ?? 0)]: v as string[] };
    return v != null && typeof v === 'object' ? (v as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

/** What making the programs' FIFOs would refuse, found without making any (`up --dry-run`):
 *  a path that is there and is not a FIFO, a directory that is missing or is not one. */
export function checkFifos(programs: Program[]): void {
  const issues: ConfigIssue[] = [];
  for (const [path, { ref, program, stream }] of fifosOf(programs)) {
    const why = fifoProblem(path);
    if (why) issues.push({ ...placeOf(program, stream), path: `fifos.${ref.name}`, message: why });
  }
  if (issues.length) throw new ConfigError(issues);
}

function fifoProblem(path: string): string | null {
  try {
    const st = lstatSync(path);
    return st.isFIFO() ? null : `${path} exists and is not a FIFO`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `${path}: ${(e as Error).message}`;
  }
  try {
    return statSync(dirname(path)).isDirectory() ? null : `cannot make the FIFO ${path}: ${dirname(path)} is not a directory`;
  } catch {
    return `cannot make the FIFO ${path}: its directory does not exist`;
  }
}

/** Makes the programs' FIFOs and removes those appinit made for this loader (uid) that they no longer name. Throws a
 *  ConfigError (at the setting naming it) when one cannot be made. */
export function syncFifos(db: Db, programs: Program[], loader: number): void {
  const want = fifosOf(programs);
  const all = madeBy(db);
  const mine = new Set(all[String(loader)] ?? []);
  const issues: ConfigIssue[] = [];
  for (const [path, { ref, program, stream }] of want) {
    try {
      const u = program.user != null ? lookupUser(program.user) : null;
      if (makeFifo(path, ref.mode, u ? { uid: u.uid, gid: u.gid } : undefined) === 'made') mine.add(path);
    } catch (e) {
      issues.push({ ...placeOf(program, stream), path: `fifos.${ref.name}`, message: (e as Error).message });
    }
  }
  // A user's FIFOs were made theirs: only one still theirs is removed (root's are any owner's).
  for (const path of [...mine]) if (!want.has(path)) { removeFifo(path, loader === 0 ? undefined : loader); mine.delete(path); }
  all[String(loader)] = [...mine];
  setMeta(db, MADE, JSON.stringify(all));
  if (issues.length) throw new ConfigError(issues);
}

/** Removes every FIFO appinit made (`down`). */
export function removeFifos(db: Db): void {
  for (const [loader, paths] of Object.entries(madeBy(db))) for (const path of paths) removeFifo(path, loader === '0' ? undefined : Number(loader));
  setMeta(db, MADE, '{}');
}

// The FIFOs of the loaded control file: made on `up` (owned by the programs' user when they run
// as another one), removed when a file no longer names them and on `down`. Only FIFOs appinit
// made are removed; one that was there before is left as it was found.
import { ConfigError, type ConfigIssue, type FifoRef, type Program } from '../../config/program.js';
import { placeOf } from '../../config/places.js';
import { makeFifo, removeFifo } from '../../os/fifo.js';
import { lookupUser } from '../../os/proc/index.js';
import { getMeta, setMeta, type Db } from '../../store/db.js';

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

function made(db: Db): string[] {
  try { return JSON.parse(getMeta(db, MADE) ?? '[]') as string[]; } catch { return []; }
}

/** Makes the programs' FIFOs and removes those appinit made that they no longer name. Throws a
 *  ConfigError (at the setting naming it) when one cannot be made. */
export function syncFifos(db: Db, programs: Program[]): void {
  const want = fifosOf(programs);
  const mine = new Set(made(db));
  const issues: ConfigIssue[] = [];
  for (const [path, { ref, program, stream }] of want) {
    try {
      const u = program.user != null ? lookupUser(program.user) : null;
      if (makeFifo(path, ref.mode, u ? { uid: u.uid, gid: u.gid } : undefined) === 'made') mine.add(path);
    } catch (e) {
      issues.push({ ...placeOf(program, stream), path: `fifos.${ref.name}`, message: (e as Error).message });
    }
  }
  for (const path of [...mine]) if (!want.has(path)) { removeFifo(path); mine.delete(path); }
  setMeta(db, MADE, JSON.stringify([...mine]));
  if (issues.length) throw new ConfigError(issues);
}

/** Removes every FIFO appinit made (`down`). */
export function removeFifos(db: Db): void {
  for (const path of made(db)) removeFifo(path);
  setMeta(db, MADE, '[]');
}

// The programs of the control file loaded last.
import { upgradeProgram, type Program } from '../config/program.js';
import { stmt, type Db } from './db.js';
import { specJson } from './spec-json.js';

/** Every loaded program. */
export function loadedPrograms(db: Db): Program[] {
  return (db.prepare('SELECT spec FROM programs ORDER BY rowid').all() as { spec: string }[]).map((r) => upgradeProgram(JSON.parse(r.spec)));
}

/** The loaded programs with a schedule (cron, at): what the scheduler plans after every `up`.
 *  SQLite picks them out, so an `up` of 500 services parses no stored program back (it parsed all
 *  500: ~20 ms of the daemon's main thread in the middle of the up, issue 17). */
export function scheduledPrograms(db: Db): Program[] {
  return (stmt(db, "SELECT spec FROM programs WHERE json_extract(spec, '$.schedule.kind') IS NOT 'service' ORDER BY rowid").all() as { spec: string }[])
    .map((r) => upgradeProgram(JSON.parse(r.spec)));
}

/** Replaces the loaded programs with these, from this file; with `previous`, only those names
 *  are replaced (one user's programs on a system daemon), the others' stay. */
export function replacePrograms(db: Db, programs: Program[], file: string, previous?: string[]): void {
  if (stored(db, programs, file, previous)) return;
  if (previous == null) db.prepare('DELETE FROM programs').run();
  else {
    const del = db.prepare('DELETE FROM programs WHERE name = ?');
    for (const n of new Set([...previous, ...programs.map((p) => p.name)])) del.run(n);
  }
  const ins = db.prepare('INSERT INTO programs(name, spec, file) VALUES(?, ?, ?)');
  for (const p of programs) ins.run(p.name, specJson(p), file);
}

// True when the rows these programs would replace already hold them, in the same order and from
// the same file: an `up` that changed nothing writes nothing (500 DELETEs and INSERTs were ~10 ms).
function stored(db: Db, programs: Program[], file: string, previous?: string[]): boolean {
  const names = previous == null ? null : new Set([...previous, ...programs.map((p) => p.name)]);
  const rows = (stmt(db, 'SELECT name, spec, file FROM programs ORDER BY rowid').all() as { name: string; spec: string; file: string }[])
    .filter((r) => names == null || names.has(r.name));
  return rows.length === programs.length && rows.every((r, i) => r.name === programs[i].name && r.file === file && r.spec === specJson(programs[i]));
}

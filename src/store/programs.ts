// The programs of the control file loaded last.
import { upgradeProgram, type Program } from '../config/program.js';
import type { Db } from './db.js';
import { specJson } from './spec-json.js';

/** Every loaded program. */
export function loadedPrograms(db: Db): Program[] {
  return (db.prepare('SELECT spec FROM programs ORDER BY rowid').all() as { spec: string }[]).map((r) => upgradeProgram(JSON.parse(r.spec)));
}

/** Replaces the loaded programs with these, from this file; with `previous`, only those names
 *  are replaced (one user's programs on a system daemon), the others' stay. */
export function replacePrograms(db: Db, programs: Program[], file: string, previous?: string[]): void {
  if (previous == null) db.prepare('DELETE FROM programs').run();
  else {
    const del = db.prepare('DELETE FROM programs WHERE name = ?');
    for (const n of new Set([...previous, ...programs.map((p) => p.name)])) del.run(n);
  }
  const ins = db.prepare('INSERT INTO programs(name, spec, file) VALUES(?, ?, ?)');
  for (const p of programs) ins.run(p.name, specJson(p), file);
}

// The programs of the control file loaded last.
import { upgradeProgram, type Program } from '../config/program.js';
import type { Db } from './db.js';

/** Every loaded program. */
export function loadedPrograms(db: Db): Program[] {
  return (db.prepare('SELECT spec FROM programs ORDER BY rowid').all() as { spec: string }[]).map((r) => upgradeProgram(JSON.parse(r.spec)));
}

/** Replaces the loaded programs with these, from this file. */
export function replacePrograms(db: Db, programs: Program[], file: string): void {
  db.prepare('DELETE FROM programs').run();
  const ins = db.prepare('INSERT INTO programs(name, spec, file) VALUES(?, ?, ?)');
  for (const p of programs) ins.run(p.name, JSON.stringify(p), file);
}

// The System V objects appinit made for control files, kept in the store so that a crash of the
// daemon never leaves one behind: the next start finds and cleans them.
import { stmt, type Db } from '../../store/db.js';
import type { IpcObjectSpec } from './spec.js';

/** The ipc module's migrations (tracked by module name in module_versions). */
export const IPC_MIGRATIONS = [
  `CREATE TABLE sysv_objects (
     name TEXT PRIMARY KEY,
     kind TEXT NOT NULL,             -- 'queue' | 'semaphores' | 'shm'
     id INTEGER NOT NULL,            -- the kernel's id
     key INTEGER NOT NULL,           -- 0 = IPC_PRIVATE
     spec TEXT NOT NULL,             -- IpcObjectSpec as JSON: what the file asked for
     created INTEGER NOT NULL,       -- 1: appinit made it (and removes it); 0: it existed and matched
     at REAL NOT NULL
   );`,
];

/** One recorded object. */
export interface IpcRecord {
  name: string;
  kind: IpcObjectSpec['kind'];
  id: number;
  key: number;
  spec: IpcObjectSpec;
  created: boolean;
}

/** Every recorded object. */
export function records(db: Db): IpcRecord[] {
  const rows = stmt(db, 'SELECT name, kind, id, key, spec, created FROM sysv_objects ORDER BY name').all() as { name: string; kind: IpcRecord['kind']; id: number; key: number; spec: string; created: number }[];
  return rows.map((r) => ({ ...r, spec: JSON.parse(r.spec) as IpcObjectSpec, created: r.created === 1 }));
}

/** Records (or replaces) an object. */
export function record(db: Db, r: IpcRecord): void {
  stmt(db, 'INSERT INTO sysv_objects(name, kind, id, key, spec, created, at) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, id = excluded.id, key = excluded.key, spec = excluded.spec, created = excluded.created, at = excluded.at')
    .run(r.name, r.kind, r.id, r.key, JSON.stringify(r.spec), r.created ? 1 : 0, Date.now());
}

/** Forgets an object. */
export function forget(db: Db, name: string): void {
  stmt(db, 'DELETE FROM sysv_objects WHERE name = ?').run(name);
}

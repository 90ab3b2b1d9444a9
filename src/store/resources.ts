// appinit's own resources in the store: definitions, who holds what, queued messages, and the
// answers given to request ids (so a request re-sent after a daemon restart is answered once).
import type { Answer, EventAbout, Holder, Message, Persist, Resource } from './resource-types.js';
import { stmt, type Db } from './db.js';

/** The resources module's schema. */
export const RESOURCE_MIGRATIONS = [
  `CREATE TABLE resources (
     name TEXT PRIMARY KEY, kind TEXT NOT NULL, value INTEGER NOT NULL, max_bytes INTEGER NOT NULL,
     uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL, created REAL NOT NULL
   );
   CREATE TABLE resource_holdings (
     resource TEXT NOT NULL, holder TEXT NOT NULL, holder_json TEXT NOT NULL, units INTEGER NOT NULL,
     PRIMARY KEY (resource, holder)
   );
   CREATE TABLE resource_messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL, type INTEGER NOT NULL, data TEXT NOT NULL,
     sender INTEGER NOT NULL, at REAL NOT NULL
   );
   CREATE INDEX resource_messages_by ON resource_messages(resource, id);
   CREATE TABLE resource_grants (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at REAL NOT NULL);
   CREATE TABLE resource_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, text TEXT NOT NULL);`,
  // The value a resource was created with, so a control file declaring it again can be checked.
  'ALTER TABLE resources ADD COLUMN initial INTEGER NOT NULL DEFAULT -1;',
  // Every grant writes a holding and an answer: as WITHOUT ROWID tables each is one b-tree, not a
  // table and its key's index (fewer pages written per lock; bench/coord.ts).
  `CREATE TABLE resource_holdings_new (
     resource TEXT NOT NULL, holder TEXT NOT NULL, holder_json TEXT NOT NULL, units INTEGER NOT NULL,
     PRIMARY KEY (resource, holder)
   ) WITHOUT ROWID;
   INSERT INTO resource_holdings_new SELECT resource, holder, holder_json, units FROM resource_holdings;
   DROP TABLE resource_holdings;
   ALTER TABLE resource_holdings_new RENAME TO resource_holdings;
   CREATE TABLE resource_grants_new (id TEXT PRIMARY KEY, answer TEXT NOT NULL, at REAL NOT NULL) WITHOUT ROWID;
   INSERT INTO resource_grants_new SELECT id, answer, at FROM resource_grants;
   DROP TABLE resource_grants;
   ALTER TABLE resource_grants_new RENAME TO resource_grants;`,
  // A send writes a message and an answer, nothing else: no AUTOINCREMENT (its sqlite_sequence
  // row is one more page per send; an id reused after the last message left names nothing) and
  // no index (it served only the rare removal of a whole queue). Two pages per commit, not four.
  `CREATE TABLE resource_messages_new (
     id INTEGER PRIMARY KEY, resource TEXT NOT NULL, type INTEGER NOT NULL, data TEXT NOT NULL,
     sender INTEGER NOT NULL, at REAL NOT NULL
   );
   INSERT INTO resource_messages_new SELECT id, resource, type, data, sender, at FROM resource_messages;
   DROP TABLE resource_messages;
   ALTER TABLE resource_messages_new RENAME TO resource_messages;`,
  // Whose an event is (its resource's owner, the holder it names): on root's daemon a user is
  // shown only the events of what they may read, and another user's job as `another user's`.
  `ALTER TABLE resource_events ADD COLUMN about TEXT;`,
];

interface RawResource { name: string; kind: Resource['kind']; value: number; initial: number; max_bytes: number; uid: number; gid: number; mode: number; created: number }

/** Everything stored, for the manager to load at start. */
export function loadResources(db: Db): { resources: Resource[]; holdings: { resource: string; holder: Holder; units: number }[]; messages: { resource: string; m: Message }[] } {
  const holdings = (db.prepare('SELECT resource, holder_json, units FROM resource_holdings').all() as { resource: string; holder_json: string; units: number }[])
    .map((h) => ({ resource: h.resource, holder: JSON.parse(h.holder_json) as Holder, units: h.units }));
  // A mutex's value is not written on each lock (storePersist): it is 0 while someone holds it.
  const held = new Set(holdings.filter((h) => h.units > 0).map((h) => h.resource));
  const resources = (db.prepare('SELECT * FROM resources').all() as RawResource[]).map((r) => ({
    name: r.name, kind: r.kind, value: r.kind === 'mutex' ? (held.has(r.name) ? 0 : 1) : r.value, initial: r.initial, maxBytes: r.max_bytes, uid: r.uid, gid: r.gid, mode: r.mode, created: r.created,
  }));
  const messages = (db.prepare('SELECT * FROM resource_messages ORDER BY id').all() as (Message & { resource: string })[])
    .map(({ resource, ...m }) => ({ resource, m }));
  return { resources, holdings, messages };
}

/** The answer stored for a request id, if it was answered before. */
export function grantOf(db: Db, id: string): Answer | null {
  const row = stmt(db, 'SELECT answer FROM resource_grants WHERE id = ?').get(id) as { answer: string } | undefined;
  return row ? (JSON.parse(row.answer) as Answer) : null;
}

/** Forgets answers older than `before` (ms): a client re-sends within seconds of a restart. */
export function pruneGrants(db: Db, before: number): void {
  stmt(db, 'DELETE FROM resource_grants WHERE at < ?').run(before);
  stmt(db, 'DELETE FROM resource_events WHERE id <= (SELECT MAX(id) FROM resource_events) - 1000').run();
}

/** The last events (gives-back, creations), newest last; `about` is null for rows older than it. */
export function resourceEvents(db: Db, limit = 50): { at: number; text: string; about: EventAbout | null }[] {
  const rows = stmt(db, 'SELECT at, text, about FROM resource_events ORDER BY id DESC LIMIT ?').all(limit) as { at: number; text: string; about: string | null }[];
  return rows.reverse().map((r) => ({ at: r.at, text: r.text, about: r.about ? (JSON.parse(r.about) as EventAbout) : null }));
}

/** A Persist that writes through to the store. */
export function storePersist(db: Db, log: (text: string) => void): Persist {
  return {
    // A mutex's row is written once: its value follows from its holding (loadResources), so a
    // lock or unlock writes one page fewer.
    resource: (r) => (r.kind === 'mutex'
      ? stmt(db, `INSERT INTO resources(name, kind, value, initial, max_bytes, uid, gid, mode, created) VALUES(?,?,?,?,?,?,?,?,?)
        ON CONFLICT(name) DO NOTHING`)
      : stmt(db, `INSERT INTO resources(name, kind, value, initial, max_bytes, uid, gid, mode, created) VALUES(?,?,?,?,?,?,?,?,?)
        ON CONFLICT(name) DO UPDATE SET value = excluded.value`)).run(r.name, r.kind, r.value, r.initial, r.maxBytes, r.uid, r.gid, r.mode, r.created),
    removed: (name) => {
      stmt(db, 'DELETE FROM resources WHERE name = ?').run(name);
      stmt(db, 'DELETE FROM resource_holdings WHERE resource = ?').run(name);
      stmt(db, 'DELETE FROM resource_messages WHERE resource = ?').run(name);
    },
    holding: (resource, holder, units) => {
      if (units === 0) stmt(db, 'DELETE FROM resource_holdings WHERE resource = ? AND holder = ?').run(resource, holder.key);
      else stmt(db, `INSERT INTO resource_holdings(resource, holder, holder_json, units) VALUES(?,?,?,?)
        ON CONFLICT(resource, holder) DO UPDATE SET units = excluded.units, holder_json = excluded.holder_json`).run(resource, holder.key, JSON.stringify(holder), units);
    },
    messageAdded: (resource, m) => Number(stmt(db, 'INSERT INTO resource_messages(resource, type, data, sender, at) VALUES(?,?,?,?,?)').run(resource, m.type, m.data, m.sender, m.at).lastInsertRowid),
    messageRemoved: (_resource, id) => void stmt(db, 'DELETE FROM resource_messages WHERE id = ?').run(id),
    granted: (id, answer) => void stmt(db, 'INSERT OR REPLACE INTO resource_grants(id, answer, at) VALUES(?,?,?)').run(id, JSON.stringify(answer), Date.now()),
    // BEGIN and COMMIT as cached statements: db.transaction(fn) builds a new wrapper on each call,
    // and a grant is one call.
    transaction: (fn) => {
      if (db.inTransaction) return fn();
      stmt(db, 'BEGIN').run();
      try {
        fn();
        stmt(db, 'COMMIT').run();
      } catch (err) {
        if (db.inTransaction) stmt(db, 'ROLLBACK').run();
        throw err;
      }
    },
    event: (text, about) => {
      stmt(db, 'INSERT INTO resource_events(at, text, about) VALUES(?, ?, ?)').run(Date.now(), text, about ? JSON.stringify(about) : null);
      log(text);
    },
  };
}

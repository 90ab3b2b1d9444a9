// A control file's System V objects, kept in step with the file: made (or checked) before any
// program starts, their ids given to programs in the environment, removed when the file drops
// them, on `down`, and at the next start after a crash that left nothing running.
import { ConfigError, type Program } from '../../config/program.js';
import { lookupUser } from '../../os/proc/index.js';
import type { Db } from '../../store/db.js';
import { byKey, conflict, create, differences, keyText, remove, stat } from './kernel.js';
import { envName, type IpcObjectSpec } from './spec.js';
import { forget, record, records, type IpcRecord } from './store.js';

/** What `up` does with the file's objects: env for the programs; `commit` removes those the file dropped. */
export interface IpcPlan {
  env: Record<string, string>;
  /** After the programs were applied: removes the objects the file no longer names. */
  commit(): void;
  /** When the programs could not be applied: removes what this plan made, as if it never ran. */
  rollback(): void;
}

function fail(spec: IpcObjectSpec, message: string): never {
  const at = spec.at ?? { file: '', line: 0, col: 0 };
  throw new ConfigError([{ ...at, path: `ipc.${spec.name}`, message: message.replace(/^ipc\.[^:]+: /, '') }]);
}

// The owner: the object's user:, else the one user every program of the file runs as (root's
// daemon running `user: www` programs makes the objects www's), else the daemon's own user.
function ownerOf(spec: IpcObjectSpec, programs: readonly Program[]): { uid: number; gid: number } | null {
  const users = new Set(programs.map((p) => p.user ?? null));
  const name = spec.user ?? (users.size === 1 ? [...users][0] : null);
  if (name == null) return null;
  const u = lookupUser(name);
  if (!u) fail(spec, `user ${name}: no such user`);
  return u.uid === (process.getuid?.() ?? 0) ? null : { uid: u.uid, gid: u.gid };
}

const sameSpec = (a: IpcObjectSpec, b: IpcObjectSpec) => JSON.stringify({ ...a, at: undefined }) === JSON.stringify({ ...b, at: undefined });

/** Makes or checks every object of the file (all or nothing) and says what programs get. */
export function prepareIpc(db: Db, specs: readonly IpcObjectSpec[], programs: readonly Program[], opts: { dryRun?: boolean; loader?: number } = {}): IpcPlan {
  // On the system daemon each user's `up` replaces only the objects of the files that user loaded.
  const daemonUid = process.getuid?.() ?? 0;
  const mine = (r: IpcRecord) => opts.loader == null || (r.spec.loader ?? daemonUid) === opts.loader;
  const old = new Map(records(db).filter(mine).map((r) => [r.name, r]));
  const made: IpcRecord[] = [];
  const keep: IpcRecord[] = [];
  const env: Record<string, string> = {};
  try {
    for (const spec of specs) {
      const owner = ownerOf(spec, programs);
      const rec = old.get(spec.name);
      const now = rec ? stat(rec.kind, rec.id) : null;
      if (rec && now && now.key === spec.key && sameSpec(rec.spec, spec) && (owner == null || now.uid === owner.uid)) {
        keep.push(rec);
        env[envName(spec.name)] = String(rec.id);
        env[`${envName(spec.name)}_KEY`] = keyText(rec.key);
        continue;
      }
      // Changed (or gone): the old object goes at commit, unless it is the very one the key names now.
      let id: number | null = null;
      let created = false;
      if (spec.key !== 0) {
        const existing = byKey(spec.kind, spec.key);
        if (existing != null && !(rec && rec.id === existing && rec.created)) {
          const f = stat(spec.kind, existing);
          const diff = f ? differences(spec, f, owner?.uid ?? null) : [];
          if (diff.length) fail(spec, conflict(spec, existing, diff));
          id = existing; // it exists with these settings: used, and left alone on down
        }
      }
      if (id == null) {
        if (opts.dryRun) {
          env[envName(spec.name)] = '(new)';
          env[`${envName(spec.name)}_KEY`] = keyText(spec.key);
          continue;
        }
        if (rec && rec.created && rec.key === spec.key && spec.key !== 0) {
          remove(rec.kind, rec.id); // same key, other settings: IPC_EXCL needs the key free
          forget(db, rec.name);
        }
        try {
          id = create(spec, owner);
        } catch (err) {
          fail(spec, `cannot make ${spec.kind} with key ${keyText(spec.key)}: ${(err as Error).message}`);
        }
        created = true;
      }
      const r: IpcRecord = { name: spec.name, kind: spec.kind, id, key: spec.key, spec, created };
      if (created) made.push(r);
      else keep.push(r);
      if (!opts.dryRun) record(db, r);
      env[envName(spec.name)] = String(id);
      env[`${envName(spec.name)}_KEY`] = keyText(spec.key);
    }
  } catch (err) {
    undo();
    throw err;
  }
  // All or nothing: what this call made goes again, and the records say what was there before.
  function undo(): void {
    for (const r of made.splice(0)) {
      remove(r.kind, r.id);
      const before = old.get(r.name);
      if (before) record(db, before);
      else forget(db, r.name);
    }
  }
  const wanted = new Set(specs.map((s) => s.name));
  return {
    env,
    rollback: undo,
    commit() {
      if (opts.dryRun) return;
      const now = new Map(records(db).map((r) => [r.name, r]));
      for (const r of old.values()) {
        const cur = now.get(r.name);
        if (wanted.has(r.name) && cur && cur.id === r.id && cur.kind === r.kind) continue; // still the one in use
        if (r.created) remove(r.kind, r.id);
        if (!wanted.has(r.name)) forget(db, r.name);
      }
    },
  };
}

/** Gives every program the objects' ids and keys (the file's own env wins). */
export function withIpcEnv(programs: Program[], env: Record<string, string>): Program[] {
  if (Object.keys(env).length === 0) return programs;
  return programs.map((p) => ({ ...p, env: { ...env, ...p.env } }));
}

/** Removes every recorded object appinit made (down, or a start after a crash with nothing running). */
export function removeAll(db: Db): number {
  let n = 0;
  for (const r of records(db)) {
    if (r.created) {
      remove(r.kind, r.id);
      n++;
    }
    forget(db, r.name);
  }
  return n;
}

/** Forgets records whose objects are gone (someone ran ipcrm, or the machine restarted). */
export function forgetVanished(db: Db): void {
  for (const r of records(db)) {
    const f = stat(r.kind, r.id);
    if (!f || f.key !== r.key) forget(db, r.name);
  }
}

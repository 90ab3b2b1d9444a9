// appinit's resources in the API: create, remove, semop (lock, P, V, acquire, wait-for-zero),
// send and receive, the list for ipcs, and the live deadlock matrices. A request that waits is
// held open until it is answered; a client re-sends it with the same id after a daemon restart
// and gets the answer given before, if any — so nothing is granted twice.
import { detect } from '../../core/resources/detect.js';
import { describeDeadlock, ResourceError, ResourceManager, type Answer, type Holder, type Kind, type Op, type Resource } from '../../core/resources/manager.js';
import { isResting, type Job } from '../../core/supervisor/runtime.js';
import { ConfigError, type ConfigIssue } from '../../config/program.js';
import { RESOURCE_NAME, type ResourceDecl } from '../../config/read-coordination.js';
import { grantOf, loadResources, pruneGrants, RESOURCE_MIGRATIONS, resourceEvents, storePersist } from '../../store/resources.js';
import { ApiError, type ErrorCode } from '../errors.js';
import type { Module } from '../modules.js';
import type { ApiContext, ApiRequest } from '../routes.js';
import { adopt, forgetFamilies, holderOf, processHolderAlive, restoreFamily } from './holder.js';
import type { Service } from '../modules.js';
import { byName } from '../../core/compare.js';
import { statSync } from 'node:fs';

/** Counters of the resources module, read by /metrics (the web helper) and GET /v1/resources. */
export interface ResourceStats {
  /** Blocking requests refused at once as deadlocks since the daemon started. */
  deadlocksRefused: number;
}

/** The resources module's running service: its counters. */
export interface ResourcesService extends Service {
  /** Live counters (read them when needed: the object is a view of the lock manager). */
  readonly stats: ResourceStats;
}

const managers = new WeakMap<ApiContext, ResourceManager>();

function manager(ctx: ApiContext): ResourceManager {
  const m = managers.get(ctx);
  if (!m) throw new ApiError(503, 'unavailable', 'resources are not loaded yet');
  return m;
}

const NAME = RESOURCE_NAME;

function nameOf(v: unknown): string {
  if (typeof v !== 'string' || !NAME.test(v)) {
    throw new ApiError(400, 'usage', `name: expected 1-64 letters, digits, _ . : - (not starting with . or -), got ${JSON.stringify(v)}`);
  }
  return v;
}

function intOf(v: unknown, what: string, min: number, dflt?: number): number {
  if (v == null && dflt != null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ApiError(400, 'usage', `${what}: expected a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function caller(ctx: ApiContext, req: ApiRequest): Holder {
  const pid = req.peer.pid;
  const h = pid ? holderOf(pid, ctx.sup.jobs.values() as Iterable<Job>, req.peer) : null;
  if (!h) throw new ApiError(400, 'usage', 'the calling process could not be identified (no peer credentials)');
  return h;
}

// ipc_perm: owner bits for the owner, group bits for the group, other bits for the rest; root passes.
function permits(req: ApiRequest, r: Resource, bit: 4 | 2): boolean {
  const uid = req.peer.uid;
  if (uid === 0) return true;
  const mode = uid === r.uid ? r.mode >> 6 : req.peer.gid === r.gid ? r.mode >> 3 : r.mode;
  return (mode & bit) !== 0;
}

function allowed(ctx: ApiContext, req: ApiRequest, name: string, bit: 4 | 2): void {
  const r = manager(ctx).resources.get(name);
  // A missing resource is the caller's mistake (404), not the daemon's: say so plainly.
  if (!r) throw new ApiError('not_found', `no resource named "${name}" (create it first, or list them with appinit ipcs)`);
  if (!permits(req, r, bit)) throw new ApiError(403, 'forbidden', `${name}: permission denied (mode ${r.mode.toString(8).padStart(4, '0')}, owner uid ${r.uid})`);
}

const CODES: Record<string, [number, ErrorCode]> = {
  deadlock: [409, 'deadlock'], busy: [409, 'busy'], no_message: [404, 'no_message'], gone: [410, 'gone'],
  not_holder: [409, 'not_holder'], too_big: [413, 'too_large'],
};

// Runs a request once per id: a re-sent request gets the stored answer. A request marked
// `fresh` (the library's first sending of a new id) has none: the store is not read for it.
async function once(ctx: ApiContext, req: ApiRequest, id: unknown, run: (id: string | null) => Promise<Answer>, fresh = false): Promise<unknown> {
  const key = typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : null;
  const before = key && !fresh ? grantOf(ctx.db, key) : null;
  let a: Answer;
  try {
    a = before ?? (await run(key));
  } catch (err) {
    if (err instanceof ResourceError) throw new ApiError(err.code === 'not_found' ? 404 : err.code === 'forbidden' ? 403 : 400, err.code === 'exists' ? 'usage' : err.code, err.message);
    throw err;
  }
  if (a.ok) return a;
  const [status, code] = CODES[a.code] ?? [409, a.code as ErrorCode];
  if (!a.deadlock) throw new ApiError(status, code, a.message);
  // The cycle as this caller may see it: another user's holders unnamed (system mode), and no
  // holder keys (job numbers, pids) in the answer.
  const named = namedTo(ctx, req.peer.uid);
  const deadlock = { cycle: a.deadlock.cycle.map((c) => ({ holder: c.key ? named(c.key, c.holder) : c.holder, holds: c.holds, waitsFor: c.waitsFor })) };
  throw new ApiError(status, code, describeDeadlock(deadlock), deadlock);
}

function opsOf(v: unknown): Op[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 64) throw new ApiError(400, 'usage', 'ops: expected 1 to 64 operations like {name, op: "P"|"V"|"Z", n, undo}');
  return v.map((o: Record<string, unknown>) => {
    if (o == null || typeof o !== 'object' || !['P', 'V', 'Z'].includes(o.op as string)) throw new ApiError(400, 'usage', `op: expected "P", "V" or "Z", got ${JSON.stringify(o?.op)}`);
    return { name: nameOf(o.name), op: o.op as Op['op'], n: o.op === 'Z' ? 0 : intOf(o.n, 'n', 1, 1), undo: o.undo === true };
  });
}

/** The resource named name, or undefined (for the system daemon's load checks in api/owner.ts). */
export function resourceNamed(ctx: ApiContext, name: string): Resource | undefined {
  return manager(ctx).resources.get(name);
}

/**
 * A control file's `resources:`: each one that exists must have the settings the file gives
 * (else a ConfigError naming it, and nothing changes); returns what creates the missing ones,
 * to run when the file is applied (owned by whoever loads the file).
 */
export function declareResources(ctx: ApiContext, decls: ResourceDecl[], uid: number, gid: number): () => void {
  if (decls.length === 0) return () => {};
  const m = manager(ctx);
  const issues: ConfigIssue[] = [];
  for (const d of decls) {
    const why = m.differs(d);
    if (why) issues.push({ ...d.at, path: `resources.${d.name}`, message: why });
  }
  if (issues.length) throw new ConfigError(issues);
  return () => {
    for (const d of decls) {
      if (!m.resources.has(d.name)) m.create({ name: d.name, kind: d.kind, value: d.value, maxBytes: d.maxBytes, uid, gid, mode: d.mode }, Date.now());
    }
    ctx.sup.recheck(); // a start that waited for a removed resource may go now
  };
}

// A program's `needs`: taken all at once, before its process is spawned, held by its job.
function needsGate(m: ResourceManager, recheck: () => void): (job: Job) => string[] {
  return (job) => {
    const needs = job.spec.needs ?? {};
    const names = Object.keys(needs);
    if (names.length === 0) return [];
    const key = `job:${job.id}`;
    if (m.holdsAll(key, needs)) return [];
    const short = names.filter((n) => (m.resources.get(n)?.value ?? 0) < needs[n]);
    if (!m.involves(key)) {
      try {
        const holder = { key, job: job.id, pid: job.pid ?? 0, label: `job ${job.spec.name}`, uid: job.ownerUid };
        // A grant that comes later looks again at the waiting starts, once this call is over.
        if (m.need(holder, names.map((name) => ({ name, op: 'P' as const, n: needs[name], undo: true })), () => queueMicrotask(recheck))) return [];
      } catch (err) {
        if (err instanceof ResourceError) return names.filter((n) => !m.resources.has(n)).map((n) => `needs ${n}: no such resource (appinit up creates it)`);
        throw err;
      }
    }
    return (short.length ? short : names).map((n) => `needs ${n}`);
  };
}

// How a holder (or waiter) is shown to a caller: as it is to root and to its own user; another
// user's job or process reads `another user's` (system mode: a user sees no name or pid of
// jobs that are not theirs, here as in status and ps).
function shownAs(ctx: ApiContext, uid: number): (key: string, label: string) => string {
  if (uid === 0) return (_key, label) => label;
  return (key, label) => {
    const job = /^job:(\d+)$/.exec(key);
    const pid = /^pid:(\d+):/.exec(key);
    let owner: number | undefined;
    if (job) owner = ctx.sup.jobs.get(Number(job[1]))?.ownerUid;
    else if (pid) try { owner = statSync(`/proc/${pid[1]}`).uid; } catch { owner = undefined; }
    return owner === uid ? label : "another user's";
  };
}

// The same in a sentence: `another user's job`, `another user's process`.
function namedTo(ctx: ApiContext, uid: number): (key: string, label: string) => string {
  const shown = shownAs(ctx, uid);
  return (key, label) => (shown(key, label) === label ? label : key.startsWith('job:') ? "another user's job" : "another user's process");
}

// The events (creations, removals, gives-back) a caller may see: root all; another user those of
// the resources they own or may read, a holder not theirs unnamed. Rows older than `about` are root's.
function eventsFor(ctx: ApiContext, req: ApiRequest, limit: number): { at: number; text: string }[] {
  const uid = req.peer.uid;
  if (uid === 0) return resourceEvents(ctx.db, limit).map(({ at, text }) => ({ at, text }));
  const m = manager(ctx);
  const out: { at: number; text: string }[] = [];
  for (const e of resourceEvents(ctx.db, 1000)) {
    const a = e.about;
    if (!a) continue;
    const r = m.resources.get(a.resource);
    if (a.owner !== uid && !(r && r.uid === a.owner && permits(req, r, 4))) continue;
    const h = a.holder;
    const text = h && h.uid !== uid ? e.text.replace(` after ${h.label} ended`, ` after another user's ${h.key.startsWith('job:') ? 'job' : 'process'} ended`) : e.text;
    out.push({ at: e.at, text });
  }
  return out.slice(-limit);
}

/** The resources module. */
export const resourcesModule: Module<'resources'> = {
  name: 'resources',
  migrations: RESOURCE_MIGRATIONS,

  routes: {
    'POST /v1/resources/create': (ctx, req) => {
      const b = req.body;
      const kind = b.kind as Kind;
      if (!['mutex', 'semaphore', 'queue'].includes(kind)) throw new ApiError(400, 'usage', `kind: expected mutex, semaphore or queue, got ${JSON.stringify(b.kind)}`);
      const mode = intOf(b.mode, 'mode', 0, 0o600);
      if (mode > 0o777) throw new ApiError(400, 'usage', `mode: expected permission bits like 0600, got ${mode.toString(8)}`);
      const name = nameOf(b.name);
      const value = kind === 'semaphore' ? intOf(b.value, 'value', 0, 0) : 0;
      const maxBytes = intOf(b.maxBytes, 'maxBytes', 1, 16384);
      const m = manager(ctx);
      // As semget without IPC_EXCL: the same create again is fine; one that asks for other
      // settings than the resource has (those it names) is refused, not silently ignored.
      const old = m.resources.get(name);
      // As semget(IPC_CREAT) of an existing set the caller has no access to: EACCES, not a success.
      if (old && !permits(req, old, 4) && !permits(req, old, 2)) {
        throw new ApiError('forbidden', `${name}: permission denied (mode ${old.mode.toString(8).padStart(4, '0')}, owner uid ${old.uid})`);
      }
      if (old && old.kind === kind) {
        const why = m.differs({ name, kind, value, maxBytes: b.maxBytes == null ? old.maxBytes : maxBytes, mode: b.mode == null ? old.mode : mode });
        if (why) throw new ApiError('exists', why.replace(/, this file declares /, ", not ").replace(/; remove it first.*$/, ` as asked; remove it first (appinit ipcrm ${name}) or create it as it is`));
      }
      try {
        return m.create({
          name, kind, value: kind === 'semaphore' ? value : undefined,
          maxBytes, uid: req.peer.uid, gid: req.peer.gid, mode,
        }, Date.now());
      } catch (err) {
        if (err instanceof ResourceError) throw new ApiError('exists', err.message);
        throw err;
      }
    },

    'POST /v1/resources/remove': (ctx, req) => {
      const names = req.body.names;
      if (!Array.isArray(names) || names.length === 0) throw new ApiError(400, 'usage', 'names: expected a non-empty list of resource names');
      const m = manager(ctx);
      for (const n of names.map(nameOf)) {
        const r = m.resources.get(n);
        if (!r) throw new ApiError(404, 'not_found', `no resource named "${n}"`);
        if (req.peer.uid !== 0 && req.peer.uid !== r.uid) throw new ApiError(403, 'forbidden', `${n}: only its owner (uid ${r.uid}) or root may remove it`);
      }
      for (const n of names as string[]) m.remove(n);
      // Starts that waited for a removed resource now say so.
      ctx.sup.recheck();
      return { removed: names };
    },

    // One atomic array of operations; `lock` auto-creates a missing mutex (as flock creates its file).
    'POST /v1/resources/semop': async (ctx, req) => {
      const m = manager(ctx);
      const ops = opsOf(req.body.ops);
      if (req.body.create === 'mutex' && ops.length === 1 && !m.resources.has(ops[0].name)) {
        m.create({ name: ops[0].name, kind: 'mutex', maxBytes: 0, uid: req.peer.uid, gid: req.peer.gid, mode: 0o600 }, Date.now());
      }
      for (const o of ops) allowed(ctx, req, o.name, 2);
      const holder = caller(ctx, req);
      const timeout = req.body.timeout == null ? undefined : intOf(req.body.timeout, 'timeout', 0, 0);
      // A limit of 0 is a request that does not wait (flock -w 0 is -n).
      const wait = req.body.wait !== false && timeout !== 0;
      return once(ctx, req, req.body.id, (id) => m.semop(holder, ops, wait, id, req.signal, timeout), req.body.fresh === true);
    },

    'POST /v1/resources/send': async (ctx, req) => {
      const name = nameOf(req.body.name);
      allowed(ctx, req, name, 2);
      if (typeof req.body.data !== 'string') throw new ApiError(400, 'usage', 'data: expected the message text');
      const holder = caller(ctx, req);
      return once(ctx, req, req.body.id, (id) => manager(ctx).send(holder, name, intOf(req.body.type, 'type', 1, 1), req.body.data as string, req.body.wait !== false, Date.now(), id, req.signal), req.body.fresh === true);
    },

    'POST /v1/resources/recv': async (ctx, req) => {
      const name = nameOf(req.body.name);
      allowed(ctx, req, name, 4);
      const type = req.body.type == null ? 0 : req.body.type;
      if (typeof type !== 'number' || !Number.isInteger(type)) throw new ApiError(400, 'usage', `type: expected a whole number (0: any, N: that type, -N: lowest type ≤ N), got ${JSON.stringify(type)}`);
      const holder = caller(ctx, req);
      return once(ctx, req, req.body.id, (id) => manager(ctx).receive(holder, name, type, req.body.wait !== false, id, req.signal), req.body.fresh === true);
    },

    // `appinit lock NAME -- CMD`: CMD (a child of the caller) keeps what the caller holds after
    // the caller is gone, as flock(1)'s command keeps the lock. A caller inside a job: its job
    // holds, and CMD is part of the job already.
    'POST /v1/resources/adopt': (_ctx, req) => {
      const pid = intOf(req.body.pid, 'pid', 2);
      const holder = caller(_ctx, req);
      if (holder.job != null) return { adopted: false };
      const fam = adopt(holder.key, req.peer.pid ?? 0, pid);
      if (!fam) throw new ApiError('usage', `pid ${pid} is not a child of the calling process`);
      manager(_ctx).adopt(holder.key, fam); // stored with the holdings: a daemon restart keeps it
      return { adopted: true };
    },

    // ipcs for appinit's own resources: what exists, its value or bytes, who holds and who waits.
    'GET /v1/resources': (ctx, req) => {
      const m = manager(ctx);
      const shown = shownAs(ctx, req.peer.uid);
      return {
        resources: [...m.resources.values()].sort((a, b) => byName(a.name, b.name)).map((r) => ({
          ...r,
          // A value is read permission's to see, as semctl(GETVAL) wants it (EACCES otherwise):
          // listed for everyone (as /proc/sysvipc lists every set), its value only to readers.
          ...(permits(req, r, 4) ? {} : { value: null, initial: null }),
          holders: [...(m.holdings.get(r.name)?.values() ?? [])].map((h) => ({ holder: shown(h.holder.key, h.holder.label), units: h.units })),
          waiters: m.waitingHolders(r.name).map((h) => shown(h.key, h.label)),
          messages: m.queues.get(r.name)?.length ?? 0,
          bytes: (m.queues.get(r.name) ?? []).reduce((s, x) => s + Buffer.byteLength(x.data), 0),
        })),
        events: eventsFor(ctx, req, 20),
        stats: { deadlocksRefused: m.deadlocksRefused },
      };
    },

    'GET /v1/deadlock': (ctx, req) => {
      const mx = manager(ctx).matrices();
      const d = detect(mx);
      const shown = shownAs(ctx, req.peer.uid);
      // Several holders of other users are told apart (`another user's #2`): one name for all of
      // them made one node of them in --dot, a cycle where there is none.
      const names = new Map<string, string>();
      const unnamed = mx.holders.filter((k) => shown(k, mx.labels.get(k) ?? k) !== (mx.labels.get(k) ?? k));
      for (const k of mx.holders) {
        const l = mx.labels.get(k) ?? k;
        const i = unnamed.indexOf(k);
        names.set(k, i < 0 ? l : unnamed.length > 1 ? `another user's #${i + 1}` : "another user's");
      }
      const label = (k: string) => names.get(k) ?? shown(k, mx.labels.get(k) ?? k);
      // A value is read permission's to see (as in GET /v1/resources): E and A, and the work
      // vector of each step, say it; without the read bit they read null ('-').
      const m = manager(ctx);
      const hidden = mx.resources.map((name) => { const r = m.resources.get(name); return r != null && !permits(req, r, 4); });
      const veil = (v: number[]) => v.map((x, i) => (hidden[i] ? null : x));
      return {
        resources: mx.resources, holders: mx.holders.map(label), existing: veil(mx.existing), available: veil(mx.available),
        allocation: mx.allocation, request: mx.request, deadlocked: d.deadlocked.map(label), order: d.order.map(label), steps: d.steps.map((s) => ({ ...s, run: label(s.run), available: veil(s.available) })),
      };
    },
  },

  start(ctx) {
    // The sweep below runs only while something is held: every new holding goes through
    // persist.holding, which arms it; a sweep that finds nothing held disarms it. An idle daemon
    // is not woken twice a second for nothing (issue 17: each wake-up of node costs ~0.2 ms here).
    let timer: NodeJS.Timeout | null = null;
    const persist = storePersist(ctx.db, (t) => console.log(`${new Date().toISOString()} resources: ${t}`));
    const m = new ResourceManager({ ...persist, holding: (name, holder, units) => { persist.holding(name, holder, units); if (units !== 0) arm(); } });
    const s = loadResources(ctx.db);
    m.load(s.resources, s.holdings, s.messages);
    managers.set(ctx, m);
    for (const h of m.holderKeys()) if (h.adopted) restoreFamily(h.key, h.adopted);
    ctx.sup.addGate(needsGate(m, () => ctx.sup.recheck()));
    // What a holder holds is given back when it ends: a job when every process of it has ended
    // (between a crash and its restart, too) or when it comes to rest (a stop while it waited
    // for its needs); a process when it is gone. A start that took its needs and has no process
    // yet has not ended: it had none.
    // Whether each job had a process when this daemon took over: one whose end it hears first
    // (replayed by the helper after a kill -9 of the last daemon) gives its holdings back too; it
    // kept them through its backoff and restart, and the waiter before it never got them.
    const live = new Map<number, boolean>();
    for (const j of ctx.sup.jobs.values()) live.set(j.id, j.pid != null || j.others.size > 0);
    const onChange = ({ job }: { job: Job }) => {
      const now = job.pid != null || job.others.size > 0;
      const was = live.get(job.id) ?? false;
      live.set(job.id, now);
      const key = `job:${job.id}`;
      if (!now && (was || isResting(job)) && m.involves(key)) m.release(key);
    };
    ctx.sup.on('change', onChange);
    // A job without any process that is not about to start one (`starting` took its needs and
    // spawns next): at rest, or in a backoff between a crash and its restart.
    const ended = (j: Job) => j.pid == null && j.others.size === 0 && j.state !== 'starting' && j.state !== 'stopping';
    const sweep = () => {
      forgetFamilies(new Set(m.holderKeys().map((h) => h.key)));
      for (const h of m.holderKeys()) {
        const job = h.job != null ? ctx.sup.jobs.get(h.job) : undefined;
        if (h.job != null ? !job || ended(job) : !processHolderAlive(h.key)) m.release(h.key);
      }
      if (timer && m.holderKeys().length === 0) { clearInterval(timer); timer = null; }
    };
    function arm(): void {
      if (timer) return;
      // (a holding taken while the module starts may arm it before `sweep` is defined: looked up when it fires)
      timer = setInterval(() => sweep(), 500);
      timer.unref();
    }
    sweep();
    if (m.holderKeys().length > 0) arm();
    // Answers are kept an hour for re-sent requests: pruning them once a minute is plenty.
    const prune = () => pruneGrants(ctx.db, Date.now() - 3_600_000);
    prune();
    const pruner = setInterval(prune, 60_000);
    pruner.unref();
    const service: ResourcesService = {
      stats: { get deadlocksRefused() { return m.deadlocksRefused; } },
      stop: () => { if (timer) clearInterval(timer); clearInterval(pruner); ctx.sup.off('change', onChange); },
    };
    return service;
  },
};

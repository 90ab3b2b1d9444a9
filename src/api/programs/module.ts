// Programs in the API: `up` (with --dry-run, and the file loaded last for `up` without one),
// and ad-hoc programs as PM2 users know them: start without a control file, list, describe,
// scale, delete. Ad-hoc programs are jobs like the rest (stored, supervised, restarted by
// policy, re-adopted after a daemon restart); `up` leaves them alone.
import { join } from 'node:path';
import { nameError } from '../../config/names.js';
import { normalize } from '../../config/normalize.js';
import { BOUNDS, ConfigError, type Program, type RestartPolicy } from '../../config/program.js';
import type { Reader } from '../../config/read-file.js';
import { checkRunnable } from '../../config/runnable.js';
import { joinCommand } from '../../config/split.js';
import { ADHOC_SOURCE, isAdHoc } from '../../core/supervisor/adhoc.js';
import { lastFileKey, type UpResult } from '../../core/supervisor/load.js';
import { ownDocument } from '../owner.js';
import { nameOfAnother } from '../name-owner.js';
import { isResting, type Job } from '../../core/supervisor/runtime.js';
import { groupsOf } from '../../os/groups.js';
import { lookupUser } from '../../os/proc/index.js';
import { getMeta } from '../../store/db.js';
import { JOB_NUMBER_INDEX } from '../../store/jobs.js';
import { queryRecords } from '../../store/records.js';
import { ApiError } from '../errors.js';
import type { Module } from '../modules.js';
import { applyControlFile } from './apply-file.js';
import { waitUp } from './wait-up.js';
import { names, programsLoaded, select, visible, type ApiContext, type ApiRequest } from '../routes.js';
import { jobView } from '../views.js';
import { byName } from '../../core/compare.js';

/** One row of `appinit list`. */
export interface ProgramRow {
  name: string;
  /** The control file, or "appinit start" for an ad-hoc program. */
  source: string;
  group: string | null;
  instances: number;
  running: number;
  state: string;
  pids: number[];
  restarts: number;
  command: string;
}

/** What `appinit describe NAME` shows. */
export interface ProgramDescription {
  name: string;
  adHoc: boolean;
  program: Program;
  jobs: ReturnType<typeof jobView>[];
  /** Every live pid of the program: leaders and adopted descendants. */
  pids: number[];
  restarts: number;
  lastExits: { pid: number; end: number | null; code: number | null; signal: number | null; core: boolean; command: string; note?: string | null }[];
  logs: { stdout: string | null; stderr: string | null };
  limits: Pick<Program, 'limits' | 'rlimits' | 'maxMemory'>;
}

function readerOf(req: ApiRequest): Reader {
  const uid = req.peer.uid;
  const u = lookupUser(uid);
  return { uid, gids: u ? groupsOf(u.name, u.gid) : [req.peer.gid] };
}

function programJobs(ctx: ApiContext, req: ApiRequest, name: string): Job[] {
  const jobs = visible(ctx, req, [...ctx.sup.jobs.values()]).filter((j) => j.program === name).sort((a, b) => a.instance - b.instance);
  if (jobs.length === 0) throw new ApiError(404, 'not_found', `no program named "${name}"`);
  return jobs;
}

function nameOf(v: unknown): string {
  const bad = nameError(v);
  if (bad) throw new ApiError(400, 'usage', `name: ${bad}`);
  return v as string;
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && !x.includes('\0'))) {
    throw new ApiError(400, 'usage', `${what}: expected a non-empty array of strings without NUL bytes`);
  }
  return v as string[];
}

// Where a stream of a program goes, as a path a person can open.
function logPath(ctx: ApiContext, p: Program, stream: 'stdout' | 'stderr'): string | null {
  const t = p[stream];
  if (t.kind === 'log') return join(ctx.spawnCtx.logsDir, p.name, stream === 'stdout' ? 'out.log' : 'err.log');
  if (t.kind === 'file') return t.path;
  if (t.kind === 'stdout') return logPath(ctx, p, 'stdout');
  return null;
}

// The spec of an ad-hoc program from a request; throws ApiError on anything a file would refuse.
function adHocSpec(req: ApiRequest): Program {
  const b = req.body;
  const name = nameOf(b.name);
  const argv = stringList(b.argv, 'argv');
  if (typeof b.cwd !== 'string' || !b.cwd.startsWith('/') || b.cwd.includes('\0')) throw new ApiError(400, 'usage', 'cwd: expected an absolute directory');
  const env: Record<string, string> = {};
  if (b.env != null) {
    if (typeof b.env !== 'object' || Array.isArray(b.env)) throw new ApiError(400, 'usage', 'env: expected an object of NAME: string');
    for (const [k, v] of Object.entries(b.env as Record<string, unknown>)) {
      if (k === '' || k.includes('=') || k.includes('\0')) throw new ApiError(400, 'usage', `env: "${k}" is not a variable name`);
      if ((typeof v !== 'string' && typeof v !== 'number') || String(v).includes('\0')) throw new ApiError(400, 'usage', `env.${k}: expected a string or a number`);
      env[k] = String(v);
    }
  }
  const instances = b.instances ?? 1;
  if (!Number.isSafeInteger(instances) || (instances as number) < 1 || (instances as number) > BOUNDS.instances) {
    throw new ApiError(400, 'usage', `instances: expected an integer from 1 to ${BOUNDS.instances}`);
  }
  const restart = (b.restart ?? 'always') as RestartPolicy;
  if (!['always', 'on-failure', 'never'].includes(restart)) throw new ApiError(400, 'usage', 'restart: expected always, on-failure or never');
  const uid = req.peer.uid;
  let user: string | null = null;
  if (b.user != null) {
    if (typeof b.user !== 'string' || !/^[^\s:\0]+$/.test(b.user)) throw new ApiError(400, 'usage', 'user: expected a user name or uid');
    if (uid !== 0 && lookupUser(b.user)?.uid !== uid) throw new ApiError(403, 'forbidden', 'user: only root may start a program as another user');
    user = b.user;
  } else if (uid !== (process.getuid?.() ?? 0)) user = String(uid); // someone else's program runs as them
  return normalize({
    name, argv, commandText: joinCommand(argv), source: ADHOC_SOURCE, cwd: b.cwd, env, envMode: 'add', instances: instances as number,
    restart, user,
  }, b.cwd);
}

/** The programs module: up, and ad-hoc programs. */
export const programsModule: Module = {
  name: 'programs',
  migrations: [JOB_NUMBER_INDEX],
  routes: {
    // `up`: a control file's text (read by the CLI, with the caller's rights); `dryRun` only plans;
    // `wait` (seconds): the answer comes once the file's jobs that are to run have come up (wait-up.ts).
    'POST /v1/up': async (ctx, req) => {
      const { file, text, baseDir, dryRun, wait } = req.body as { file?: unknown; text?: unknown; baseDir?: unknown; dryRun?: unknown; wait?: unknown };
      if (typeof file !== 'string' || typeof text !== 'string' || file.includes('\0')) throw new ApiError(400, 'usage', 'up: expected {file, text}');
      if (baseDir != null && (typeof baseDir !== 'string' || !baseDir.startsWith('/'))) throw new ApiError(400, 'usage', 'up: baseDir: expected an absolute path');
      if (wait != null && (typeof wait !== 'number' || !(wait >= 0 && wait * 1000 <= BOUNDS.duration))) throw new ApiError(400, 'usage', `up: wait: expected seconds from 0 to ${BOUNDS.duration / 1000}`);
      let applied: UpResult;
      try {
        applied = await applyControlFile(ctx, text, file, (baseDir as string | undefined) ?? process.cwd(), { uid: req.peer.uid, gid: req.peer.gid, dryRun: dryRun === true, reader: readerOf(req), own: (parsed) => {
          // A user's file does only what that user could (system daemon): api/owner.ts says what.
          const { doc, issues } = ownDocument(ctx, req, parsed, text, file);
          if (issues.length) throw new ConfigError(issues);
          return doc;
        } });
      } catch (err) {
        if (err instanceof ConfigError) throw new ApiError(400, 'config', err.message, err.issues);
        throw err;
      } finally {
        // The scheduler plans from the programs: told by a call once `up` is done with them.
        if (dryRun !== true) programsLoaded(ctx);
      }
      if (wait == null || applied.dryRun) return applied;
      // Every job of the file the daemon now wants up, started by this `up` or running before it
      // (as `docker compose up --wait`): a program left crash-looping is not "up" because it is unchanged.
      const kept = new Set([...applied.added, ...applied.changed, ...applied.unchanged]);
      const jobs = visible(ctx, req, [...ctx.sup.jobs.values()]).filter((j) => j.program != null && kept.has(j.program) && j.want === 'up');
      return { ...applied, wait: await waitUp(ctx.sup, jobs, wait * 1000) };
    },

    'GET /v1/up/last': (ctx, req) => ({ file: getMeta(ctx.db, lastFileKey(req.peer.uid)) }),

    // `start --wait`, `restart --wait`: the named jobs followed as `up --wait` follows a file's.
    'POST /v1/programs/wait': async (ctx, req) => {
      const wait = req.body.wait;
      if (typeof wait !== 'number' || !(wait > 0)) throw new ApiError('usage', `wait: expected a number of seconds above 0, got ${JSON.stringify(wait)}`);
      const jobs = select(ctx, req, names(req.body)).filter((j) => j.want === 'up');
      return { wait: await waitUp(ctx.sup, jobs, wait * 1000) };
    },

    'POST /v1/programs/start': async (ctx, req) => {
      const spec = adHocSpec(req);
      const owner = [...ctx.sup.jobs.values()].find((j) => j.program === spec.name)?.ownerUid;
      const runAsUid = spec.user != null ? lookupUser(spec.user)?.uid ?? req.peer.uid : req.peer.uid;
      if (nameOfAnother(ctx, spec.name, req.peer.uid, runAsUid)) {
        throw new ApiError('exists', `"${spec.name}" is the name of another user's program or job (names are shared by every user of this daemon, and name the log directory): choose another --name`);
      }
      if (owner != null) {
        // One from a control file is removed there (`delete` refuses it, and says so).
        const filed = [...ctx.sup.jobs.values()].find((j) => j.program === spec.name && !isAdHoc(j.spec))?.spec.source.file;
        throw new ApiError('exists', `a program named "${spec.name}" exists; choose another --name, or ${filed ? `remove it from ${filed} and run appinit up` : `appinit delete ${spec.name}`}`);
      }
      const issues = checkRunnable([spec]);
      if (issues.length) throw new ApiError(400, 'usage', issues.map((i) => `${i.path.replace(/^programs\.[^.]+\.?/, '') || 'program'}: ${i.message}`).join('\n'));
      const uid = req.peer.uid;
      const jobs = ctx.db.transaction(() => {
        const made = Array.from({ length: spec.instances }, (_, i) => ctx.sup.createJob(spec, i, uid, spec.name));
        ctx.sup.start(made);
        return made;
      })();
      await Promise.all(jobs.map((j) => ctx.sup.waitStarted(j)));
      return jobs.map((j) => jobView(j));
    },

    'POST /v1/programs/delete': async (ctx, req) => {
      const names = stringList(req.body.names, 'names');
      const jobs = names.map((n) => ({ n, jobs: programJobs(ctx, req, n) }));
      for (const { n, jobs: js } of jobs) {
        if (!isAdHoc(js[0].spec)) {
          throw new ApiError(409, 'from_file', `"${n}" comes from ${js[0].spec.source.file}: remove it there and run appinit up (or appinit stop ${n})`);
        }
      }
      const all = jobs.flatMap((x) => x.jobs);
      await ctx.sup.stop(all.filter((j) => !isResting(j)));
      ctx.db.transaction(() => { for (const j of all) ctx.sup.forget(j); })();
      return { deleted: names };
    },

    'POST /v1/programs/scale': async (ctx, req) => {
      const name = nameOf(req.body.name);
      const n = req.body.instances;
      if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > BOUNDS.instances) {
        throw new ApiError(400, 'usage', `scale: expected a number of instances from 1 to ${BOUNDS.instances}`);
      }
      const jobs = programJobs(ctx, req, name);
      const p = jobs[0].spec;
      if (!isAdHoc(p)) throw new ApiError(409, 'from_file', `"${name}" comes from ${p.source.file}: set instances: ${n} there and run appinit up`);
      const spec = { ...p, instances: n as number };
      const extra = jobs.slice(n as number);
      await ctx.sup.stop(extra.filter((j) => !isResting(j)));
      const uid = jobs[0].ownerUid;
      const made = ctx.db.transaction(() => {
        for (const j of extra) ctx.sup.forget(j);
        for (const j of jobs.slice(0, n as number)) ctx.sup.setSpec(j, spec);
        const added = Array.from({ length: (n as number) - Math.min(jobs.length, n as number) }, (_, i) => ctx.sup.createJob(spec, jobs.length + i, uid, name));
        // New instances run when the program is wanted up (as its first instance is).
        if (jobs[0].want === 'up') ctx.sup.start(added);
        return added;
      })();
      await Promise.all(made.map((j) => ctx.sup.waitStarted(j)));
      return { name, from: jobs.length, to: n, jobs: programJobs(ctx, req, name).map((j) => jobView(j)) };
    },

    'GET /v1/programs': (ctx, req) => {
      const by = new Map<string, Job[]>();
      for (const j of visible(ctx, req, [...ctx.sup.jobs.values()])) {
        if (j.program == null) continue;
        by.set(j.program, [...(by.get(j.program) ?? []), j]);
      }
      return [...by.entries()].map(([name, jobs]): ProgramRow => {
        const p = jobs[0].spec;
        const states = [...new Set(jobs.map((j) => j.state))];
        return {
          name, source: isAdHoc(p) ? 'appinit start' : p.source.file, group: p.group ?? null, instances: jobs.length,
          running: jobs.filter((j) => j.state === 'running').length, state: states.join(','),
          pids: jobs.flatMap((j) => (j.pid != null ? [j.pid] : [])), restarts: jobs.reduce((s, j) => s + j.restarts, 0), command: p.commandText,
        };
      }).sort((a, b) => byName(a.name, b.name));
    },

    'GET /v1/programs/describe': (ctx, req) => {
      const name = nameOf(req.query.get('name'));
      const jobs = programJobs(ctx, req, name);
      const p = jobs[0].spec;
      const exits = queryRecords(ctx.db, { program: name, limit: 200 }).filter((r) => jobs.some((j) => j.id === r.job) || r.command === p.commandText);
      const leaders = exits.filter((r) => r.command === p.commandText).slice(-5);
      return {
        name, adHoc: isAdHoc(p), program: p, jobs: jobs.map((j) => jobView(j)),
        pids: jobs.flatMap((j) => [...(j.pid != null ? [j.pid] : []), ...j.others]),
        restarts: jobs.reduce((s, j) => s + j.restarts, 0),
        lastExits: leaders.map((r) => ({ pid: r.pid, end: r.end, code: r.exitCode, signal: r.signal, core: r.core, command: r.command, note: r.note })),
        logs: { stdout: logPath(ctx, p, 'stdout'), stderr: logPath(ctx, p, 'stderr') },
        limits: { limits: p.limits, rlimits: p.rlimits, maxMemory: p.maxMemory },
      } satisfies ProgramDescription;
    },
  },
};

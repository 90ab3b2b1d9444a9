// Job control in the API: run (held until its terminal attaches), jobs, fg, bg, kill, pkill, wait.
import { basename } from 'node:path';
import { normalize } from '../../config/normalize.js';
import { joinCommand } from '../../config/split.js';
import { parseSignal } from '../../config/signals.js';
import { JobSpecError, resolveJobSpec } from '../../core/jobs/spec.js';
import { isResting, type Job } from '../../core/supervisor/runtime.js';
import { leaderEnded } from '../../core/supervisor/job.js';
import { shellStatus } from '../../core/supervisor/termination.js';
import { attributeProcesses } from '../../core/monitor/jobs.js';
import { linearPattern, PatternError } from '../../core/jobs/pattern.js';
import { mayKill, sendSignal, startTicks } from '../../os/host.js';
import { lookupUser, readAllProcesses } from '../../os/proc/index.js';
import { isSameProcess, processIdentity } from '../../os/proc/identity.js';
import { jobOfPid } from '../resources/holder.js';
import { processState } from '../../os/peer-limits.js';
import type { JobsRow } from '../views.js';
import { ApiError } from '../errors.js';
import { jobOfRecordedPid } from '../../store/records.js';
import { bool, envObject, optInt, optText, programName, queryFlag, signalArg, text, textList } from '../input.js';
import type { Module } from '../modules.js';
import { checkCommand, checkCwd, runUser } from './preflight.js';
import { callerRunAs } from '../owner.js';
import { freeName, nameOfAnother } from '../name-owner.js';
import { visible, type ApiContext, type ApiRequest } from '../routes.js';
import { NOT_PERMITTED, signalJobFor } from '../signal-for.js';

// Bash's + and -: the most recently stopped or backgrounded jobs, stopped ones first.
function currentAndPrevious(jobs: Job[]): [number | null, number | null] {
  const order = [...jobs].sort((a, b) => Number(b.suspended) - Number(a.suspended) || b.touchedAt - a.touchedAt);
  return [order[0]?.number ?? null, order[1]?.number ?? null];
}

const TERMINAL_ENV = /^(TERM|COLORTERM|LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/;
function callerTerminalEnv(env: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (TERMINAL_ENV.test(k) && typeof v === 'string') out[k] = v;
  return out;
}

// Two terminals on one job: the `run` that started it and an `fg` from another. Whichever waits
// first reports its end and the job is forgotten (as bash forgets a reported job); an fg that
// asks a moment later must get the same end, not "no such job". Kept for the fg's process only
// (its pid asked /v1/fg): a second `wait %N` from a shell still says no such job, as bash's.
const REPORTED_KEPT_MS = 10_000;
type WaitAnswer = { job: number; status: number; lastExit: Job['lastExit']; execFailed?: Job['execFailure'] };
const fgPids = new WeakMap<Job, Set<number>>();
const reported = new WeakMap<ApiContext, Map<string, { at: number; pids: Set<number>; answer: WaitAnswer }>>();

function foregrounds(job: Job): Set<number> {
  let s = fgPids.get(job);
  if (!s) fgPids.set(job, (s = new Set()));
  return s;
}

function noteReported(ctx: ApiContext, job: Job, status: number): void {
  const pids = fgPids.get(job);
  if (!pids?.size) return;
  let m = reported.get(ctx);
  if (!m) reported.set(ctx, (m = new Map()));
  const now = Date.now();
  for (const [k, v] of m) if (now - v.at > REPORTED_KEPT_MS) m.delete(k);
  m.set(`${job.ownerUid}:${job.number}`, { at: now, pids, answer: { job: job.number, status, lastExit: job.lastExit, execFailed: job.execFailure } });
}

function justReported(ctx: ApiContext, req: ApiRequest, spec: string): WaitAnswer | null {
  const n = /^%(\d+)$/.exec(spec)?.[1];
  const e = n != null ? reported.get(ctx)?.get(`${req.peer.uid}:${n}`) : undefined;
  return e && req.peer.pid != null && e.pids.has(req.peer.pid) && Date.now() - e.at <= REPORTED_KEPT_MS ? e.answer : null;
}

const toldEndedOf = new WeakMap<ApiContext, Set<number>>();
// Jobs whose end `jobs` reported to their owner while something they left still runs.
function toldEnded(ctx: ApiContext): Set<number> {
  let s = toldEndedOf.get(ctx);
  if (!s) toldEndedOf.set(ctx, (s = new Set()));
  return s;
}

// A shell job's end taken by its owner (`wait`): forgotten when nothing of it runs; else kept
// (what it left is still its own, for stop and down) and no longer listed or waited for.
function takeReport(ctx: ApiContext, job: Job): void {
  if (isResting(job)) {
    toldEnded(ctx).delete(job.id);
    forgetEnded(ctx, job);
  } else toldEnded(ctx).add(job.id);
}

// bash's bgpids: `wait $!` still answers with a job's status after the job itself was reported
// and forgotten (by `jobs`, or by a wait that took it). Kept per job, newest last, for the last
// REMEMBERED_MAX ended shell jobs (bash keeps at least CHILD_MAX of them), with the leader's pid
// when this daemon saw it (else the accounting record names the job of a pid).
const REMEMBERED_MAX = 1024;
type Remembered = { uid: number; pid: number | null; answer: WaitAnswer };
const rememberedOf = new WeakMap<ApiContext, Map<number, Remembered>>();
// The pid of each job's leader, as `run --bg` printed it ($!): a job's pid is null once its
// leader ended, and `jobs -p`, `jobs -l` and `wait PID` still name it by that pid.
const leaders = new WeakMap<Job, number>();

function leaderOf(job: Job): number | null {
  if (job.pid != null) leaders.set(job, job.pid);
  return job.pid ?? leaders.get(job) ?? null;
}

function remembered(ctx: ApiContext): Map<number, Remembered> {
  let m = rememberedOf.get(ctx);
  if (!m) rememberedOf.set(ctx, (m = new Map()));
  return m;
}

// A finished shell job leaves the table: its end is kept for a later `wait PID`.
function forgetEnded(ctx: ApiContext, job: Job): void {
  const m = remembered(ctx);
  m.delete(job.id);
  m.set(job.id, { uid: job.ownerUid, pid: leaderOf(job), answer: { job: job.number, status: job.lastExit ? shellStatus(job.lastExit) : 0, lastExit: job.lastExit } });
  for (const k of m.keys()) {
    if (m.size <= REMEMBERED_MAX) break;
    m.delete(k);
  }
  ctx.sup.forget(job);
}

// The end of a forgotten job of the caller's whose leader had this pid (newest first, as a pid
// may have been used again), or null.
function rememberedPid(ctx: ApiContext, req: ApiRequest, spec: string): WaitAnswer | null {
  if (!/^\d+$/.test(spec)) return null;
  const pid = Number(spec);
  const m = rememberedOf.get(ctx);
  if (!m) return null;
  const mineOnly = (e: Remembered | undefined) => (e && (e.uid === req.peer.uid || req.peer.uid === 0) ? e : undefined);
  const byPid = [...m.values()].reverse().find((e) => e.pid === pid && mineOnly(e));
  if (byPid) return byPid.answer;
  const id = jobOfRecordedPid(ctx.db, pid);
  return (id != null ? mineOnly(m.get(id)) : undefined)?.answer ?? null;
}

function mine(ctx: ApiContext, req: ApiRequest): Job[] {
  return visible(ctx, req, [...ctx.sup.jobs.values()]).sort((a, b) => a.number - b.number);
}

// What `wait` takes: a job spec, or a pid of one of the caller's jobs (`wait $!` after the pid
// `run --bg` printed), as bash's wait takes both.
function waitTarget(ctx: ApiContext, req: ApiRequest, spec: string): Job {
  if (/^\d+$/.test(spec)) {
    const pid = Number(spec);
    const jobs = mine(ctx, req);
    const j = jobs.find((x) => x.pid === pid || x.others.has(pid));
    if (j) return j;
    // Ended already: the job whose process that was, from its accounting record.
    const id = jobOfRecordedPid(ctx.db, pid);
    const ended = id != null ? jobs.find((x) => x.id === id) : undefined;
    if (ended) return ended;
    throw new ApiError('no_such_job', `${spec}: no such job`);
  }
  return jobBySpec(ctx, req, spec);
}

/** The job a spec (%N, %+, %-, %str, %?str, N, or a program name) names, for this caller. */
export function jobBySpec(ctx: ApiContext, req: ApiRequest, spec: string | undefined): Job {
  const jobs = mine(ctx, req);
  const [cur, prev] = currentAndPrevious(own(jobs, req));
  if (spec && !spec.startsWith('%') && !/^\d+$/.test(spec)) {
    const byName = jobs.filter((j) => j.spec.name === spec);
    if (byName.length === 1) return byName[0];
    if (byName.length > 1) throw new ApiError('ambiguous', `${spec}: ambiguous: ${byName.length} jobs (use %N)`);
  }
  try {
    const found = resolveJobSpec(spec ?? '%+', jobs.map((j) => ({ number: j.number, command: j.spec.commandText })), cur, prev);
    return jobs.find((j) => j.number === found.number)!;
  } catch (err) {
    // A bare word was tried as a program name first: say so, and what `pkill` is for.
    if (err instanceof JobSpecError && spec && !spec.startsWith('%') && !/^\d+$/.test(spec)) {
      throw new ApiError('no_such_job', `${spec}: no program of that name, and not a job spec (%N, %+, %-, %string, %?string) or a pid; to signal processes by name: appinit pkill ${spec}`);
    }
    if (err instanceof JobSpecError) throw new ApiError('no_such_job', err.message);
    throw err;
  }
}

/** A job's `jobs` row. */
export function jobsRow(j: Job, marker: JobsRow['marker']): JobsRow {
  let status: JobsRow['status'] = { kind: 'running' };
  if (j.suspended && j.pid != null) status = { kind: 'stopped', signal: j.stopSig ?? 20 };
  else if (isResting(j) || j.pid == null) {
    const t = j.lastExit;
    status = t?.signal != null ? { kind: 'signalled', signal: t.signal, core: t.core } : { kind: 'done', code: t?.code ?? 0 };
  }
  // An ended job keeps its leader's pid, as bash's `jobs -l` and `jobs -p` show it.
  return { number: j.number, marker, pid: leaderOf(j), pids: j.pid != null ? [j.pid, ...j.others] : [...j.others], command: j.spec.commandText, status };
}

// The current and previous jobs (%+, %-, a bare fg or kill %%) are the caller's own, as a shell's
// are its own: root sees every user's jobs, and its `kill %%` ended another user's newest.
function own(jobs: Job[], req: ApiRequest): Job[] {
  return jobs.filter((j) => j.ownerUid === req.peer.uid);
}

function rows(ctx: ApiContext, req: ApiRequest): { job: Job; row: JobsRow }[] {
  const jobs = mine(ctx, req);
  const [cur, prev] = currentAndPrevious(own(jobs, req));
  return jobs.map((job) => ({ job, row: jobsRow(job, job.number === cur ? '+' : job.number === prev ? '-' : ' ') }));
}

// What `wait` without ids waits for: a job that has run and will end by itself (one run from the
// shell, or a program with restart: never), not a service its policy restarts or a held job.
function endsByItself(j: Job): boolean {
  return j.startedAt != null && (j.program == null || j.spec.restart === 'never');
}

function signalOf(v: unknown): { name: string; number: number } {
  const sig = signalArg(v, 'TERM');
  // Signal 0, as kill(2) and kill(1) take it: nothing is sent, the target is only checked (is it
  // alive, may I signal it): `kill -0 %1` in scripts.
  if (sig === 0 || sig === '0') return { name: '0', number: 0 };
  try {
    return parseSignal(sig);
  } catch (err) {
    throw new ApiError('usage', (err as Error).message);
  }
}

// A `jobs` listing reported this job to its owner: a finished shell job is forgotten (its end
// kept for `wait PID`); one whose leader ended while something it left runs on is reported once
// too, as bash reports `Exit 3` once, and stays (its leftovers are still its own) unlisted.
// Root looking at every user's jobs takes no user's report (and with it the status their
// `wait %N` would return). A held job (created, its terminal not attached yet) has not run.
// True when the job was reported now.
function report(ctx: ApiContext, req: ApiRequest, job: Job): boolean {
  if (job.ownerUid !== req.peer.uid || job.program != null || job.startedAt == null) return false;
  const told = toldEnded(ctx);
  if (isResting(job)) {
    told.delete(job.id);
    forgetEnded(ctx, job);
    return true;
  }
  if (leaderEnded(job) && !told.has(job.id)) {
    told.add(job.id);
    return true;
  }
  return false;
}

/** The jobs module. */
// A held job waits for the `run` that made it to attach its terminal and start it. A `run` that
// never does (killed while stopped: `appinit run -- true &` in an interactive shell is stopped
// by SIGTTOU, then `kill -9 %1`) left a job that never ran listed as `stopped` for ever, and
// `wait %N` said 0 for it. It goes with its creator.
function forgetIfCreatorGoes(ctx: ApiContext, job: Job, creatorPid: number | undefined): void {
  const creator = creatorPid ? processIdentity(creatorPid) : null;
  if (!creator) return;
  const check = setInterval(() => {
    if (job.startedAt != null || ctx.sup.jobs.get(job.id) !== job) return clearInterval(check);
    if (isSameProcess(creator)) return;
    clearInterval(check);
    ctx.sup.forget(job);
  }, 1000);
  check.unref();
}

export const jobsModule: Module = {
  name: 'jobs',
  routes: {
    // A job for a command, owned by the caller, with a pty when its terminal has one.
    'POST /v1/run': async (ctx, req) => {
      const argv = textList(req.body.argv, 'argv', 'a non-empty array of strings (the command and its arguments)');
      const tty = bool(req.body.tty, 'tty', false);
      const b = {
        argv, tty, cwd: text(req.body.cwd ?? '/', 'cwd', 'an absolute directory path'), env: envObject(req.body.env),
        user: optText(req.body.user, 'user', 'a user name'), shell: bool(req.body.shell, 'shell', false),
        name: req.body.name == null ? undefined : programName(req.body.name), hold: bool(req.body.hold, 'hold', false),
        rows: optInt(req.body.rows, 'rows', 1, 65535), cols: optInt(req.body.cols, 'cols', 1, 65535),
        umask: optInt(req.body.umask, 'umask', 0, 0o777),
      };
      if (!b.cwd.startsWith('/')) throw new ApiError('usage', `cwd: expected an absolute directory path, got ${JSON.stringify(b.cwd)}`);
      const uid = req.peer.uid;
      // Fail before a job exists, with the reason and the shell's code: an unknown user, a
      // missing directory, a command not found (127) or not executable (126).
      const runAs = runUser(b.user);
      if (runAs && uid !== 0 && runAs.uid !== uid) throw new ApiError('forbidden', 'run --user: only root may run a job as another user');
      // On a daemon serving other users (the system daemon) a caller's job runs as the caller.
      const user = b.user ?? callerRunAs(req);
      const other = runAs != null && runAs.uid !== uid;
      const cwd = b.cwd;
      checkCwd(cwd, runAs ?? runUser(user));
      // A job run as another user gets that user's login environment (as `su -`), with only the
      // caller's terminal and locale variables: the caller's secrets stay with the caller.
      const env = other ? callerTerminalEnv(b.env) : b.env;
      if (!b.shell) checkCommand(argv[0], other ? undefined : env.PATH, cwd);
      // Without --name the job is named after its command, made a valid name (it names the log directory).
      // On the system daemon a name is its owner's (it names the log directory): another user's
      // is refused when asked for, and a command's own name another user has gets `@USER`.
      const runAsUid = runAs?.uid ?? (user != null ? lookupUser(user)?.uid ?? uid : uid);
      if (b.name != null && nameOfAnother(ctx, b.name, uid, runAsUid)) {
        throw new ApiError('exists', `"${b.name}" is the name of another user's program or job (names are shared by every user of this daemon, and name the log directory): choose another --name`);
      }
      const name = b.name ?? freeName(ctx, basename(argv[0]).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[-.]+/, '') || 'job', uid, runAsUid, lookupUser(uid)?.name ?? String(uid));
      const commandText = joinCommand(argv);
      // A shell's child has the shell's limits and nice value: so has a job run from it (the
      // caller's own, read by us: nothing the caller says). Not through the dashboard (the peer is us).
      const caller = req.peer.pid && req.peer.pid !== process.pid ? processState(req.peer.pid, process.pid) : null;
      const spec = normalize({
        ...(caller ? { rlimits: caller.rlimits, nice: caller.nice } : {}),
        name, argv, commandText, source: { file: '<run>', line: 0, col: 0 }, cwd, env, envMode: user != null ? 'add' : 'replace',
        restart: 'never', tty: b.tty === true, stdin: b.tty ? { kind: 'null' } : { kind: 'pipe' }, user, autostart: false,
        ...(b.umask != null ? { umask: b.umask } : {}),
      }, cwd);
      const job = ctx.sup.createJob(spec, 0, uid, null, b.tty && b.rows && b.cols ? { rows: b.rows, cols: b.cols } : null);
      let pid = job.pid;
      if (b.hold) forgetIfCreatorGoes(ctx, job, req.peer.pid);
      if (!b.hold) {
        ctx.sup.start([job]);
        pid = await ctx.sup.waitStarted(job); // `[1] 4419` needs the pid, even of a run already over
        if (pid != null) leaders.set(job, pid); // the $! that `wait PID` is asked with later
      }
      return { id: job.id, job: job.number, pid, command: spec.commandText, tty: b.tty === true };
    },

    // Answers once the helper has the process: input sent after this has somewhere to go.
    'POST /v1/jobs/start': async (ctx, req) => {
      const id = optInt(req.body.id, 'id', 1);
      const job = mine(ctx, req).find((j) => j.id === id);
      if (!job) throw new ApiError('no_such_job', `no job with id ${req.body.id}`);
      ctx.sup.start([job]);
      const pid = await ctx.sup.waitStarted(job);
      if (pid != null) leaders.set(job, pid);
      return { id: job.id, job: job.number, pid };
    },

    // Bash's `jobs`: finished jobs that were not from a control file are reported once, then forgotten.
    // With `keep=1` nothing is reported: the caller lists, prints what it chose to (`jobs -r`
    // prints no ended job, `jobs | head` may print none) and reports only those by
    // POST /v1/jobs/reported, as bash marks a job notified only when its line was printed.
    'GET /v1/jobs': (ctx, req) => {
      const all = rows(ctx, req);
      const told = toldEnded(ctx);
      const shown = all.filter(({ job }) => (job.startedAt != null || job.program != null) && !(told.has(job.id) && job.ownerUid === req.peer.uid));
      if (!queryFlag(req.query, 'keep', false)) for (const { job } of all) report(ctx, req, job);
      return shown.map(({ job, row }) => ({ ...row, id: job.id, name: job.spec.name, tty: job.spec.tty === true }));
    },

    // The ended jobs (by id) whose `jobs` lines were printed: reported now, as a plain `jobs` does.
    'POST /v1/jobs/reported': (ctx, req) => {
      const ids = req.body.ids;
      if (!Array.isArray(ids) || !ids.every((x) => Number.isSafeInteger(x))) throw new ApiError('usage', 'ids: expected an array of job ids');
      const want = new Set(ids as number[]);
      let n = 0;
      for (const job of mine(ctx, req)) if (want.has(job.id) && report(ctx, req, job)) n++;
      return { reported: n };
    },

    // `resume: false` only finds the job: the CLI attaches to it first and then asks again by
    // `id` to continue it, so that an end right after the SIGCONT reaches the attachment.
    'POST /v1/fg': (ctx, req) => {
      const id = optInt(req.body.id, 'id', 1);
      const job = id != null ? mine(ctx, req).find((j) => j.id === id) : jobBySpec(ctx, req, optText(req.body.spec, 'spec', 'a job spec like %1'));
      if (!job) throw new ApiError('no_such_job', `no job with id ${id}`);
      if (job.pid == null) throw new ApiError('not_running', `%${job.number}: job has terminated`);
      if (job.suspended && bool(req.body.resume, 'resume', true)) ctx.sup.signal([job], 'SIGCONT');
      if (req.peer.pid) foregrounds(job).add(req.peer.pid);
      return { id: job.id, job: job.number, command: job.spec.commandText, tty: job.spec.tty === true, pid: job.pid };
    },

    'POST /v1/bg': (ctx, req) => {
      const job = jobBySpec(ctx, req, optText(req.body.spec, 'spec', 'a job spec like %1'));
      if (job.pid == null) throw new ApiError('not_running', `%${job.number}: job has terminated`);
      if (!job.suspended) throw new ApiError('already_running', `job ${job.number} already in background`);
      ctx.sup.background(job);
      return { job: job.number, command: job.spec.commandText };
    },

    // kill: %specs and names signal the job's process group; a bare pid signals that process,
    // which must belong to one of the caller's jobs.
    'POST /v1/kill': (ctx, req) => {
      const sig = signalOf(req.body.signal);
      const targets = textList(req.body.targets, 'targets', 'job specs, pids or names');
      const results: { target: string; ok: boolean; error?: string }[] = [];
      for (const t of targets) {
        try {
          if (/^\d+$/.test(t)) {
            const pid = Number(t);
            // Any process of the caller's jobs, not only a leader: `kill $(pgrep -f 'sleep 321')` of
            // a child the job's shell started (by its parents or session, as a lock's holder is found).
            const own = mine(ctx, req);
            const owner = own.find((j) => j.pid === pid || j.others.has(pid)) ?? (startTicks(pid) != null ? jobOfPid(pid, own) : null);
            if (!owner && startTicks(pid) != null) throw new ApiError('not_yours', `${t}: not one of your jobs`);
            if (!owner) throw new ApiError('no_such_process', `(${t}) - No such process`);
            // A process of the caller's job that became root (su, passwd) is not the caller's to signal.
            if (startTicks(pid) != null && !mayKill(pid, req.peer.uid)) throw new ApiError('forbidden', `(${t}) - ${NOT_PERMITTED}`);
            if (!sendSignal(pid, sig.number)) throw new ApiError('no_such_process', `(${t}) - No such process`);
          } else {
            const job = jobBySpec(ctx, req, t);
            if (job.pid == null) throw new ApiError('not_running', `${t}: job has terminated`);
            const r = signalJobFor(ctx, req.peer.uid, job, sig);
            if (r === 'denied') throw new ApiError('forbidden', `${t}: ${NOT_PERMITTED}`);
            if (r === 'gone' && sig.number === 0) throw new ApiError('not_running', `${t}: job has terminated`);
            if (sig.number !== 0 && sig.name !== 'SIGCONT' && job.suspended && (sig.name === 'SIGTERM' || sig.name === 'SIGHUP')) signalJobFor(ctx, req.peer.uid, job, parseSignal('SIGCONT'));
          }
          results.push({ target: t, ok: true });
        } catch (err) {
          results.push({ target: t, ok: false, error: (err as Error).message });
        }
      }
      return { signal: sig.name, results };
    },

    // pkill as procps has it: PATTERN against each process's name (comm), or with `full` against
    // its whole command line; every process of the caller's jobs is a candidate, and each match
    // is signalled on its own. Matching is linear-time (see core/jobs/pattern.ts).
    'POST /v1/pkill': (ctx, req) => {
      const sig = signalOf(req.body.signal);
      const pattern = text(req.body.pattern ?? '', 'pattern', 'a regular expression');
      let re: RegExp;
      try {
        re = linearPattern(pattern);
      } catch (err) {
        if (err instanceof PatternError) throw new ApiError('usage', `pkill: bad pattern: ${err.message}`);
        throw err;
      }
      const full = req.body.full === true;
      const jobs = mine(ctx, req).filter((j) => j.pid != null || j.others.size > 0);
      const procs = readAllProcesses({ cmdline: full, wchan: false });
      const refs = jobs.map((j) => ({ job: j.number, name: j.spec.name, leader: j.pid, leaderStart: j.startTicks, adopted: [...j.others] }));
      const owner = attributeProcesses(procs, refs, ctx.helperPid());
      const hits: { pid: number; job: number; comm: string; command: string }[] = [];
      // Matches the caller may not signal (a process of theirs that became root): procps' pkill
      // says "killing pid N failed: Operation not permitted" of each.
      const refused: { pid: number; job: number; comm: string; error: string }[] = [];
      for (const p of procs) {
        const job = owner.get(p.pid);
        if (job == null || p.state === 'Z') continue;
        // procps: without -f the name; with -f the command line, or the name when it has none.
        const text = full && p.cmdline.length > 0 ? p.cmdline.join(' ') : p.comm;
        if (!re.test(text)) continue;
        if (!mayKill(p.pid, req.peer.uid)) {
          refused.push({ pid: p.pid, job, comm: p.comm, error: NOT_PERMITTED });
          continue;
        }
        if (sendSignal(p.pid, sig.number)) hits.push({ pid: p.pid, job, comm: p.comm, command: full && p.cmdline.length ? p.cmdline.join(' ') : p.comm });
      }
      return { signal: sig.name, jobs: [...new Set(hits.map((h) => h.job))], processes: hits, refused };
    },

    // bash's `wait` with no argument: every job that will end by itself (not a service its
    // policy restarts, which would never end, nor a held job not yet started); status 0.
    'POST /v1/wait': async (ctx, req) => {
      const spec = optText(req.body.spec, 'spec', 'a job spec like %1');
      // Without ids, `wait` and `wait -n` are about the caller's own jobs, root's too: root sees
      // every job, but its shell's wait neither blocks on nor takes another user's reports.
      const own = () => mine(ctx, req).filter((j) => j.ownerUid === req.peer.uid);
      // bash's `wait -n [id...]`: the first of these jobs (of every job that ends by itself, without
      // ids) to end; its status. None to wait for: 127, as bash. Ids that name no job are said
      // (`missing`) and the others waited for. A stopped job is not waited for.
      if (req.body.any === true) {
        const specs = req.body.specs == null ? null : textList(req.body.specs, 'specs', 'job specs like %1');
        const missing: string[] = [];
        const named = specs ? specs.flatMap((s) => {
          try { return [waitTarget(ctx, req, s)]; } catch (err) {
            if (!(err instanceof ApiError) || err.code !== 'no_such_job') throw err;
            missing.push(err.message);
            return [];
          }
        }) : null;
        // A job run from the shell that ended and was not reported yet counts, as in bash (its end
        // is what wait -n reports); a program's job at rest stays so and is not waited for again.
        const told = toldEnded(ctx);
        const candidates = (named ?? own().filter((j) => endsByItself(j) && (j.program == null ? !told.has(j.id) : !leaderEnded(j)))).filter((j) => !j.suspended);
        if (candidates.length === 0) return { job: null, status: 127, missing };
        const first = await ctx.sup.waitFirstEnded(candidates, req.signal);
        const status = first.lastExit ? shellStatus(first.lastExit) : 0;
        if (first.program == null) takeReport(ctx, first);
        return { job: first.number, status, lastExit: first.lastExit, missing };
      }
      if (spec == null) {
        // Stopped jobs are not waited for (bash warns and goes on), nor is one that stops meanwhile.
        // A job is waited for until its leader ends, not what the leader left running (bash's wait).
        const all = own().filter((j) => endsByItself(j) && !leaderEnded(j));
        await ctx.sup.waitEndedOrStopped(all, req.signal);
        const ended = all.filter((j) => leaderEnded(j));
        for (const j of ended) if (j.program == null) takeReport(ctx, j);
        return { job: null, status: 0, jobs: ended.map((j) => j.number), stopped: all.filter((j) => !leaderEnded(j)).map((j) => j.number) };
      }
      let job: Job;
      try {
        job = waitTarget(ctx, req, spec);
      } catch (err) {
        // Reported to another waiter a moment ago (two terminals on one job: the `run` that
        // started it and an `fg`): its end, not "no such job".
        // Or its pid (`wait $!`) after `jobs` or a wait reported and forgot it: its status, as
        // bash's wait finds a pid's status in bgpids.
        const just = err instanceof ApiError && err.code === 'no_such_job' ? justReported(ctx, req, spec) ?? rememberedPid(ctx, req, spec) : null;
        if (just) return just;
        throw err;
      }
      // Cut short (Ctrl-C, timeout): the job is not taken, its status stays for a later wait.
      // Its leader's end is what is waited for, not the end of what it left (bash's wait).
      await ctx.sup.waitEndedOrStopped([job], req.signal);
      // Stopped: 128 + the stop signal, as bash's wait says of a stopped job; it stays a job.
      if (!leaderEnded(job) && job.suspended) return { job: job.number, status: 128 + (job.stopSig ?? 19), stopped: true, lastExit: null };
      const status = job.lastExit ? shellStatus(job.lastExit) : 0;
      if (job.program == null) {
        noteReported(ctx, job, status);
        takeReport(ctx, job);
        // Its exec failed (a missing #! interpreter, one not executable): `run` says so as bash would.
        if (job.execFailure) return { job: job.number, status, lastExit: job.lastExit, execFailed: job.execFailure };
      }
      return { job: job.number, status, lastExit: job.lastExit };
    },
  },
};

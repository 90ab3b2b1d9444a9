// `up`: make the running set of programs match a control file. Added programs start,
// removed ones stop, changed ones restart; unchanged ones are left alone. A file that could
// not run (unknown user, missing cwd or command) changes nothing, and `dryRun` only says
// what would be done.
import { checkRunnable, type RunContext } from '../../config/runnable.js';
import { ConfigError, type ConfigIssue, type Program } from '../../config/program.js';
import { setMeta, type Db } from '../../store/db.js';
import { replacePrograms } from '../../store/programs.js';
import { checkFifos, syncFifos } from '../pipes/fifos.js';
import { pipesChange, readerIndex } from '../pipes/plan.js';
import { isAdHoc } from './adhoc.js';
import { describeChange, sameButInstances, sameProgram } from './diff.js';
import { startOrder } from './order.js';
import { isResting, type Job, type Supervisor } from './runtime.js';
import { bindProblem, portOf } from '../../os/bind-probe.js';

/** What `up` changed (or, with dryRun, would change), by program name. */
export interface UpResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** For each changed program, what changed: "command", "env +PORT ~DEBUG -OLD", "instances 1 -> 3". */
  changes: Record<string, string[]>;
  /** Changed programs whose only change is how many instances run: the instances kept go on
   *  running, only the extra ones stop or the new ones start. */
  scaled?: Record<string, { from: number; to: number }>;
  /** The programs that were (or would be) started; autostart: false and scheduled ones are not. */
  started: string[];
  dryRun: boolean;
  file: string;
}

/** Options of applyPrograms. */
export interface ApplyOptions {
  dryRun?: boolean;
  /** The daemon's PATH and identity, for the checks that the programs can run (tests pass their own). */
  run?: RunContext;
  /** Runs once every check passed, in the transaction that stores the programs, before any starts
   *  (the file's resources are created here: all of the file or nothing). */
  beforeStart?: () => void;
}

/** The meta key holding the control file loaded last, for `up` without a file. */
export const LAST_FILE = 'control_file';

/** The meta key of the file a user loaded last: the daemon's owner's is LAST_FILE, another user's (system daemon) their own. */
export function lastFileKey(ownerUid: number): string {
  return ownerUid === (process.getuid?.() ?? 0) ? LAST_FILE : `${LAST_FILE}:${ownerUid}`;
}

// A job at rest because somebody stopped it (not one that ended by itself).
function wasStopped(j: Job): boolean {
  return j.state === 'stopped' && isResting(j);
}

function shouldRun(p: Program): boolean {
  return p.autostart && p.schedule.kind === 'service';
}

/** Applies a validated set of programs; resolves when removed and changed jobs have stopped
 *  and the others are started. Throws ConfigError (nothing changed) when one could not run. */
export async function applyPrograms(sup: Supervisor, db: Db, programs: Program[], file: string, ownerUid: number, opts: ApplyOptions = {}): Promise<UpResult> {
  const dryRun = opts.dryRun === true;
  const result: UpResult = { added: [], removed: [], changed: [], unchanged: [], changes: {}, scaled: {}, started: [], dryRun, file };
  const byName = new Map<string, Job[]>();
  const adHoc = new Set<string>();
  // Another owner's programs (a system daemon serves many users) are none of this file's business:
  // they are neither changed nor removed, and their names cannot be taken.
  const taken = new Set<string>();
  for (const j of sup.jobs.values()) {
    if (j.program == null) continue;
    if (j.ownerUid !== ownerUid) {
      taken.add(j.program);
      continue;
    }
    // Programs started with `appinit start` are not the file's: `up` leaves them alone.
    if (isAdHoc(j.spec)) {
      adHoc.add(j.program);
      continue;
    }
    const list = byName.get(j.program) ?? [];
    list.push(j);
    byName.set(j.program, list);
  }
  const issues: ConfigIssue[] = checkRunnable(programs, opts.run);
  for (const p of programs) {
    if (taken.has(p.name)) {
      issues.push({ ...p.source, path: `programs.${p.name}`, message: `"${p.name}" is the name of another user's program (program names are shared by every user of this daemon): rename this one` });
    } else if (adHoc.has(p.name)) {
      issues.push({ ...p.source, path: `programs.${p.name}`, message: `"${p.name}" is a program started with appinit start; appinit delete ${p.name} first, or rename this one` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : 0)));

  const wanted = new Map(programs.map((p) => [p.name, p]));
  // A producer whose pipe readers changed, and its readers, restart with new pipes (core/pipes).
  const readersBefore = readerIndex([...byName.values()].map((js) => js[0]));
  const readersAfter = readerIndex(programs.map((spec) => ({ spec })));
  const piped = (name: string) => pipesChange(wanted.get(name), readersBefore, readersAfter);
  // Asked twice per program below (what stops, what the result says): compared once.
  const sameAs = new Map<string, boolean>();
  const same = (old: Program, p: Program): boolean => {
    let v = sameAs.get(p.name);
    if (v === undefined) sameAs.set(p.name, (v = sameProgram(old, p)));
    return v;
  };
  // Removed and changed programs stop first, so added ones can reuse the freed job numbers.
  const toStop: Job[] = [];
  const toForget: Job[] = [];
  // Programs changed only in `instances` (and whose pipes stay): their kept instances run on.
  const scaled = new Set<string>();
  for (const [name, jobs] of byName) {
    const p = wanted.get(name);
    jobs.sort((a, b) => a.instance - b.instance);
    if (!p) {
      result.removed.push(name);
      toStop.push(...jobs);
      toForget.push(...jobs);
    } else if (!(same(jobs[0].spec, p) && jobs.length === p.instances && !piped(name))) {
      if (!piped(name) && sameButInstances(jobs[0].spec, p)) {
        scaled.add(name);
        result.scaled![name] = { from: jobs.length, to: p.instances };
        toStop.push(...jobs.slice(p.instances));
      } else {
        toStop.push(...jobs);
      }
      toForget.push(...jobs.slice(p.instances));
    }
  }
  // Sets beside the result's lists: an `up` of 500 unchanged programs asked each list 500 times.
  const unchanged = new Set<string>();
  for (const p of programs) {
    const jobs = byName.get(p.name) ?? [];
    if (jobs.length === 0) result.added.push(p.name);
    else if (same(jobs[0].spec, p) && jobs.length === p.instances && !piped(p.name)) {
      result.unchanged.push(p.name);
      unchanged.add(p.name);
    } else {
      result.changed.push(p.name);
      result.changes[p.name] = describeChange(jobs[0].spec, p, jobs.length);
      if (piped(p.name)) result.changes[p.name].push(piped(p.name));
    }
    // A scaled program starts its new instances (and kept ones a `stop` left stopped, as an unchanged one).
    const starts = scaled.has(p.name) ? p.instances > jobs.length || jobs.slice(0, p.instances).some(wasStopped) : !unchanged.has(p.name) || jobs.some(wasStopped);
    if (shouldRun(p) && starts) result.started.push(p.name);
  }
  if (dryRun) {
    checkFifos(programs); // what syncFifos would refuse, without making any
    return result;
  }
  syncFifos(db, programs, ownerUid); // fifos: made before anything stops or starts (core/pipes)

  // The old jobs stop before the file is stored, and are stored as to start again: a daemon killed
  // before the commit below runs the old programs again when it comes back, not neither file's.
  const stopping = toStop.filter((j) => !isResting(j));
  await sup.stopToStartAgain(stopping);
  await releaseDroppedListens(sup, toStop, programs);
  // One transaction: after a crash either nothing of this `up` is stored, or all of it is,
  // with the jobs wanted up (a restarted daemon starts them). Their processes start after the commit.
  const forget = new Set(toForget);
  try {
    commit();
  } catch (err) {
    // Nothing of the file was stored: what it stopped runs again, as before the `up`.
    sup.start(stopping.filter((j) => sup.jobs.get(j.id) === j && isResting(j)));
    throw err;
  }
  return result;

  function commit(): void {
    sup.transaction(() => {
      replacePrograms(db, programs, file, [...byName.keys()]);
      setMeta(db, lastFileKey(ownerUid), file);
      opts.beforeStart?.();
      for (const j of toForget) sup.forget(j);
      const toStart = new Map<string, Job[]>();
      for (const p of programs) {
        const jobs = (byName.get(p.name) ?? []).filter((j) => !forget.has(j)).sort((a, b) => a.instance - b.instance);
        if (scaled.has(p.name)) {
          for (const j of jobs) sup.setSpec(j, p);
          const again = jobs.filter(wasStopped);
          for (let i = jobs.length; i < p.instances; i++) again.push(sup.createJob(p, i, ownerUid, p.name));
          if (shouldRun(p) && again.length) toStart.set(p.name, again);
          continue;
        }
        if (unchanged.has(p.name)) {
          for (const j of jobs) sup.setSpec(j, p); // keep the new source position
          // `up` means "the file's programs run": one stopped (by `stop` or `down`) starts again, as
          // `docker compose up` does; one that ended by itself (exited, fatal) is left as it is.
          const again = jobs.filter(wasStopped);
          if (shouldRun(p) && again.length) toStart.set(p.name, again);
          continue;
        }
        for (const j of jobs) sup.setSpec(j, p);
        for (let i = jobs.length; i < p.instances; i++) jobs.push(sup.createJob(p, i, ownerUid, p.name));
        if (shouldRun(p)) toStart.set(p.name, jobs);
      }
      sup.start(startOrder(programs.filter((p) => toStart.has(p.name))).flatMap((p) => toStart.get(p.name)!));
      sup.startAgainDone(stopping); // changed programs now autostart: false, say, stay down
    });
  }
}

// A stopped program whose new spec no longer lists a listening socket lets it go now, before its
// new one binds: moving tcp://127.0.0.1:8080 to tcp://*:8080 failed (Address already in use)
// while the old socket waited for its release a second after the stop, and then never went (the
// job had started again). Sockets another live job uses stay.
async function releaseDroppedListens(sup: Supervisor, stopped: Job[], programs: Program[]): Promise<void> {
  const next = new Map(programs.map((p) => [p.name, new Set((p.listen ?? []).map((l) => l.url))]));
  const live = [...sup.jobs.values()].filter((j) => !isResting(j));
  const waitFor: string[] = [];
  for (const j of stopped) {
    const urls = (j.spec.listen ?? []).map((l) => l.url)
      .filter((u) => !next.get(j.spec.name)?.has(u) && !live.some((o) => o !== j && (o.spec.listen ?? []).some((l) => l.url === u)));
    if (!urls.length) continue;
    sup.releaseSockets({ job: String(j.id), urls });
    // The helper's fd holder lets go of its copy a moment later: a new address on the same port
    // (127.0.0.1:8080 -> *:8080) is bound once it can be, not before (it failed now and then).
    const freed = new Set(urls.map(portOf).filter((x): x is string => x != null));
    for (const u of next.get(j.spec.name) ?? []) { const p = portOf(u); if (p != null && freed.has(p)) waitFor.push(u); }
  }
  const until = Date.now() + 2000;
  for (const u of waitFor) {
    while ((await bindProblem(u)) != null && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
}

// `up`: make the running set of programs match a control file. Added programs start,
// removed ones stop, changed ones restart; unchanged ones are left alone.
import type { Program } from '../../config/program.js';
import type { Db } from '../../store/db.js';
import { replacePrograms } from '../../store/programs.js';
import { isResting, type Job, type Supervisor } from './runtime.js';

/** What `up` changed, by program name. */
export interface UpResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

// Where a program was written does not change what it does.
function sameProgram(a: Program, b: Program): boolean {
  const strip = (p: Program) => JSON.stringify({ ...p, source: null });
  return strip(a) === strip(b);
}

function shouldRun(p: Program): boolean {
  return p.autostart && p.schedule.kind === 'service';
}

/** Applies a validated set of programs; resolves when removed and changed jobs have stopped. */
export async function applyPrograms(sup: Supervisor, db: Db, programs: Program[], file: string, ownerUid: number): Promise<UpResult> {
  const result: UpResult = { added: [], removed: [], changed: [], unchanged: [] };
  const byName = new Map<string, Job[]>();
  for (const j of sup.jobs.values()) {
    if (j.program == null) continue;
    const list = byName.get(j.program) ?? [];
    list.push(j);
    byName.set(j.program, list);
  }
  const wanted = new Map(programs.map((p) => [p.name, p]));
  // Removed and changed programs stop first, so added ones can reuse the freed job numbers.
  const toStop: Job[] = [];
  const toForget: Job[] = [];
  for (const [name, jobs] of byName) {
    const p = wanted.get(name);
    if (!p) {
      result.removed.push(name);
      toStop.push(...jobs);
      toForget.push(...jobs);
    } else if (!(sameProgram(jobs[0].spec, p) && jobs.length === p.instances)) {
      toStop.push(...jobs);
      toForget.push(...jobs.sort((a, b) => a.instance - b.instance).slice(p.instances));
    }
  }
  db.transaction(() => replacePrograms(db, programs, file))();
  await sup.stop(toStop.filter((j) => !isResting(j)));
  for (const j of toForget) sup.forget(j);

  const toStart: Job[] = [];
  for (const p of programs) {
    const jobs = (byName.get(p.name) ?? []).filter((j) => !toForget.includes(j)).sort((a, b) => a.instance - b.instance);
    if (jobs.length === 0) result.added.push(p.name);
    else if (sameProgram(jobs[0].spec, p) && (byName.get(p.name) ?? []).length === p.instances) {
      result.unchanged.push(p.name);
      for (const j of jobs) sup.setSpec(j, p); // keep the new source position
      continue;
    } else result.changed.push(p.name);
    for (const j of jobs) {
      sup.setSpec(j, p);
      if (shouldRun(p)) toStart.push(j);
    }
    for (let i = jobs.length; i < p.instances; i++) {
      const j = sup.createJob(p, i, ownerUid, p.name);
      if (shouldRun(p)) toStart.push(j);
    }
  }
  sup.start(toStart);
  return result;
}

// The daemon's side of pipes between programs, at run time: a producer that has ended for good
// (it rests: stopped, or exited with no restart coming) closes its pipes, so its readers see EOF
// once they have read everything, as after `prog1 | prog2` in a shell; while it restarts they see
// nothing. And `status`: each pipe and how full it is, asked of the helper.
import type { HelperEvent } from '../../os/helper-protocol.js';
import { isResting, type Job, type JobChange, type Supervisor } from '../supervisor/runtime.js';
import { pipeName, readersOf } from './plan.js';

/** One pipe as `status` shows it: bytes waiting in the kernel's pipe (FIONREAD on the held end). */
export interface PipeView {
  name: string;
  /** direct: one kernel pipe from producer to reader; tee: one per reader, copied by the helper. */
  mode: 'direct' | 'tee';
  /** False once the producer ended for good (readers get EOF after the last byte). */
  open: boolean;
  capacity: number;
  fill: number;
  /** tee: bytes read from the producer that not every reader took yet. */
  pending: number;
  readers: { name: string; fill: number; capacity?: number }[];
}

const STATUS_TIMEOUT_MS = 3000;

/** Closes pipes of producers that ended for good; answers status. */
export class PipesService {
  private waiters: ((v: PipeView[] | null) => void)[] = [];

  constructor(private readonly sup: Supervisor) {
    sup.on('rest', this.onRest);
    sup.on('helper', this.onHelper);
    sup.on('change', this.onChange);
  }

  // A reader that starts after its producer ended for good (a reader added to the file, or
  // started by hand) gets EOF after what is left in the pipe, not a wait for a writer that
  // will never come.
  private readonly onChange = (c: JobChange): void => {
    const src = c.job.spec.stdin;
    if (c.to !== 'running' || src.kind !== 'program') return;
    setImmediate(() => this.closeIfEnded(src.from));
  };

  private readonly onRest = (job: Job): void => {
    const name = job.spec.name;
    // After this turn: a restart (`appinit restart`) starts the job again within it.
    setImmediate(() => this.closeIfEnded(name));
  };

  private closeIfEnded(producer: string): void {
    // Most producers have no reader: this runs at every job's rest, and scanning every job for
    // each made a stop of 500 jobs O(N^2) (37 ms of its CPU).
    if (!this.sup.pipeReaders().some((j) => j.spec.stdin.kind === 'program' && j.spec.stdin.from === producer)) return;
    const jobs = [...this.sup.jobs.values()].filter((j) => j.spec.name === producer);
    if (jobs.length === 0 || jobs.some((j) => !isResting(j))) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (readersOf(producer, stream, this.sup.jobs.values()).length > 0) this.sup.pipeCommand('pipe-eof', pipeName(producer, stream));
    }
  }

  private readonly onHelper = (msg: HelperEvent): void => {
    if (msg.ev !== 'unknown' || msg.name !== 'pipes') return;
    const list = Array.isArray(msg.raw.pipes) ? (msg.raw.pipes as PipeView[]) : [];
    // A pipe whose producer is no longer loaded (`up` removed it) is dropped: nothing writes it again.
    const producers = new Set([...this.sup.jobs.values()].map((j) => j.spec.name));
    const live = list.filter((p) => producers.has(p.name.replace(/\.(stdout|stderr)$/, '')));
    for (const p of list) if (!live.includes(p)) this.sup.pipeCommand('pipe-drop', p.name);
    for (const w of this.waiters.splice(0)) w(live);
  };

  /** Every pipe the helper holds, with its fill level; [] when there is none or no helper. */
  status(): Promise<PipeView[]> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve([]);
      }, STATUS_TIMEOUT_MS);
      const done = (v: PipeView[] | null) => { clearTimeout(t); resolve(v ?? []); };
      this.waiters.push(done);
      if (!this.sup.pipeCommand('pipes')) done(null);
    });
  }

  /** Stops listening. */
  stop(): void {
    this.sup.off('rest', this.onRest);
    this.sup.off('helper', this.onHelper);
    this.sup.off('change', this.onChange);
    for (const w of this.waiters.splice(0)) w(null);
  }
}

// `watch:`: while a program is wanted up, a change under its watched paths restarts its jobs
// (as `appinit restart NAME` does), once per debounced burst. A change during a restart
// restarts once more afterwards, so the last edit is always what runs.
import type { Job, Supervisor } from '../supervisor/runtime.js';
import { watchPaths, type Watching } from './watcher.js';

interface ProgramWatch {
  key: string;
  watching: Watching;
  restarting: boolean;
  again: boolean;
}

/** The file watcher of a daemon. */
export class WatchService {
  private watches = new Map<string, ProgramWatch>();
  // Once per burst of changes, not per change: sync reads every job, and 400 runs started at
  // once (or an `up` of 500) make thousands of changes in one turn (issue 17).
  private syncQueued = false;
  private stopped = false;
  private readonly onChange = () => {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      if (!this.stopped) this.sync();
    });
  };

  constructor(private readonly sup: Supervisor, private readonly log: (line: string) => void) {
    sup.on('change', this.onChange);
    this.sync();
  }

  private jobsOf(name: string): Job[] {
    return [...this.sup.jobs.values()].filter((j) => j.program === name && j.spec.schedule.kind === 'service');
  }

  // One watcher per program with `watch:` and a job wanted up; the options decide when to renew it.
  private sync(): void {
    const wanted = new Map<string, Job>();
    for (const j of this.sup.jobs.values()) {
      if (j.program != null && j.spec.watch && j.want === 'up' && j.spec.schedule.kind === 'service') wanted.set(j.program, j);
    }
    for (const [name, w] of this.watches) {
      if (w.restarting) continue; // its jobs are down on purpose for a moment
      const j = wanted.get(name);
      if (!j || JSON.stringify(j.spec.watch) !== w.key) {
        w.watching.close();
        this.watches.delete(name);
      }
    }
    for (const [name, j] of wanted) {
      if (this.watches.has(name)) continue;
      const opts = j.spec.watch!;
      const w: ProgramWatch = { key: JSON.stringify(opts), restarting: false, again: false, watching: { close() {} } };
      this.watches.set(name, w);
      w.watching = watchPaths(opts, (changed) => void this.restart(name, w, changed), (path, err) => this.log(`${name}: watch: cannot watch ${path}: ${err.message}`));
    }
  }

  private async restart(name: string, w: ProgramWatch, changed: string[]): Promise<void> {
    if (this.watches.get(name) !== w) return;
    if (w.restarting) {
      w.again = true;
      return;
    }
    const jobs = this.jobsOf(name).filter((j) => j.want === 'up');
    if (jobs.length === 0) return;
    w.restarting = true;
    const what = changed.length === 1 ? changed[0] : `${changed[0]} and ${changed.length - 1} more`;
    this.log(`${name}: ${what} changed; restarting (watch)`);
    try {
      await this.sup.stopToStartAgain(jobs);
      this.sup.start(jobs);
    } finally {
      w.restarting = false;
    }
    if (w.again) {
      w.again = false;
      await this.restart(name, w, ['(changed during the restart)']);
    }
    this.sync();
  }

  /** Stops every watcher. */
  stop(): void {
    this.stopped = true;
    this.sup.off('change', this.onChange);
    for (const w of this.watches.values()) w.watching.close();
    this.watches.clear();
  }
}

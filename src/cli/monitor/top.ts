// `appinit top`: procps top's summary and task table, full screen on a terminal (alternate
// screen, keys P M T N j k q) or as `top -b` frames to a pipe. Each frame compares with the
// one before; the first with a reading taken PRIME_MS earlier, as procps 4 primes its library.
import type { SnapshotView } from '../../client/index.js';
import type { Client } from '../../client/index.js';
import { formatTopBatch, type TopOptions } from '../../cli/report/index.js';
import { client, CliError, EXIT } from '../context.js';
import { userId } from '../../os/proc/users.js';

/** Options of `appinit top`. */
export interface TopCommandOptions {
  batch?: boolean;
  iterations?: string;
  delay?: string;
  jobs?: boolean;
  sort?: string;
  /** top -p: only these processes (comma-separated lists, repeatable). */
  pid?: string[];
  /** top -u: only the processes of this effective user (a name or an id). */
  user?: string;
}

type SortKey = NonNullable<TopOptions['sort']>;

const SORT_FIELDS: Record<string, SortKey> = { '%CPU': 'cpu', '%MEM': 'mem', 'TIME+': 'time', PID: 'pid', cpu: 'cpu', mem: 'mem', time: 'time', pid: 'pid' };

/** procps-ng 4 top's LIB_USLEEP: the pause between the two readings behind the first frame. */
export const PRIME_MS = 150;

/** One frame between two views of the system. */
export function topFrame(a: SnapshotView, b: SnapshotView, opts: TopOptions): string {
  return formatTopBatch(a.snapshot, b.snapshot, (b.snapshot.uptime - a.snapshot.uptime) * 1000, {
    hz: b.hz, pageSize: b.pageSize, pidDigits: b.pidDigits, userName: (uid) => b.users[String(uid)], ...opts,
  });
}

function jobPids(v: SnapshotView): Set<number> {
  return new Set(Object.keys(v.owner).map(Number));
}

/** What a frame shows: the pids -p names, and the effective user -u names (each null when not given). */
export interface TopFilter {
  fixed: ReadonlySet<number> | null;
  euid: number | null;
}

// The rows a frame shows: every process, or those of the jobs (j), -p and -u (each one given narrows).
function shownPids(v: SnapshotView, onlyJobs: boolean, f: TopFilter): { pids?: ReadonlySet<number>; counted?: ReadonlySet<number> } {
  if (!onlyJobs && f.fixed == null && f.euid == null) return {};
  const jobs = onlyJobs ? jobPids(v) : null;
  const pids = new Set<number>();
  for (const p of v.snapshot.procs) {
    if ((jobs == null || jobs.has(p.pid)) && (f.fixed == null || f.fixed.has(p.pid)) && (f.euid == null || p.euid === f.euid)) pids.add(p.pid);
  }
  return f.fixed == null ? { pids } : { pids, counted: f.fixed };
}

// top -u root, top -u 0: one user, by login name first, else by number (as procps top).
function userFilter(v: string | undefined): number | null {
  if (v === undefined) return null;
  const uid = userId(v);
  if (uid == null) throw new CliError(`top: -u: no user named "${v}" (give a user name or id, as top -u root)`, EXIT.usage);
  return uid;
}

// top -p 1,2 -p 3: procps takes up to 20 pids; appinit any number.
function pidList(v: string[] | undefined): ReadonlySet<number> | null {
  if (!v?.length) return null;
  return new Set(v.flatMap((x) => x.split(/[,\s]+/)).filter((x) => x !== '').map((x) => {
    if (!/^\d+$/.test(x) || Number(x) < 1) throw new CliError(`top: -p expects process ids like 1234,1240, got "${x}"`, EXIT.usage);
    return Number(x);
  }));
}

function parseOptions(o: TopCommandOptions): { n: number; delayMs: number; sort: SortKey } {
  const n = o.iterations === undefined ? Infinity : Number(o.iterations);
  if (!(n >= 1) || (Number.isFinite(n) && !Number.isInteger(n))) throw new CliError(`top: -n expects a whole number of frames, got "${o.iterations}"`, EXIT.usage);
  const d = o.delay === undefined ? 3 : Number(o.delay);
  if (!(d >= 0) || !Number.isFinite(d)) throw new CliError(`top: -d expects seconds like 0.5 or 3, got "${o.delay}"`, EXIT.usage);
  const sort = o.sort === undefined ? 'cpu' : SORT_FIELDS[o.sort];
  if (sort === undefined) throw new CliError(`top: -o expects one of %CPU, %MEM, TIME+, PID, got "${o.sort}"`, EXIT.usage);
  return { n, delayMs: d * 1000, sort };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function batch(c: Client, n: number, delayMs: number, sort: SortKey, onlyJobs: boolean, filter: TopFilter): Promise<number> {
  let prev = await c.snapshot(true);
  for (let i = 0; i < n; i++) {
    await sleep(i > 0 ? delayMs : PRIME_MS);
    const cur = await c.snapshot(true);
    const frame = topFrame(prev, cur, { sort, ...shownPids(cur, onlyJobs, filter) });
    // top -b separates frames with an empty line.
    if (!process.stdout.write(`${i > 0 ? '\n' : ''}${frame}`)) await new Promise((r) => process.stdout.once('drain', r));
    prev = cur;
  }
  return EXIT.ok;
}

const ESC = '\x1b[';

/** The interactive screen: state, drawing and keys. */
class Screen {
  private prev: SnapshotView | null = null;
  private cur: SnapshotView | null = null;
  private message = '';
  private prompt: { label: string; text: string; done: (v: string | null) => void } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private finished!: (code: number) => void;
  readonly done = new Promise<number>((r) => (this.finished = r));

  private frames = 0;

  constructor(private readonly c: Client, private readonly delayMs: number, private readonly limit: number, private sort: SortKey, private onlyJobs: boolean, private readonly filter: TopFilter) {}

  start(): void {
    const out = process.stdout;
    out.write(`${ESC}?1049h${ESC}?25l`);
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (k: string) => this.onKey(k));
    out.on('resize', () => this.draw());
    process.on('SIGTERM', () => this.quit());
    void this.refresh();
  }

  private quit(code: number = EXIT.ok): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    process.stdout.write(`${ESC}?25h${ESC}?1049l`);
    try { process.stdin.setRawMode(false); } catch { /* not a tty any more */ }
    process.stdin.pause();
    this.finished(code);
  }

  private async refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      if (this.cur === null) {
        this.cur = await this.c.snapshot(true);
        await sleep(PRIME_MS);
      }
      const next = await this.c.snapshot(true);
      this.prev = this.cur;
      this.cur = next;
    } catch (err) {
      this.message = `cannot read from the daemon: ${(err as Error).message}`;
    }
    this.draw();
    if (++this.frames >= this.limit) {
      this.timer = setTimeout(() => this.quit(), Math.min(this.delayMs, 1000));
      return;
    }
    this.timer = setTimeout(() => void this.refresh(), this.delayMs);
  }

  private draw(): void {
    if (!this.cur || !this.prev) return;
    const cols = process.stdout.columns || 80;
    const rows = process.stdout.rows || 24;
    const frame = topFrame(this.prev, this.cur, {
      sort: this.sort, width: cols, maxRows: Math.max(0, rows - 7), ...shownPids(this.cur, this.onlyJobs, this.filter),
    });
    const lines = frame.replace(/\n$/, '').split('\n').slice(0, rows);
    // Line 6 (empty in the frame) is top's message and prompt line.
    let cursor = '';
    if (this.prompt) {
      lines[5] = `${this.prompt.label}${this.prompt.text}`;
      cursor = `${ESC}6;${Math.min(cols, lines[5].length + 1)}H${ESC}?25h`;
    } else {
      lines[5] = this.message || (this.onlyJobs ? 'showing appinit\'s jobs only (j: all processes)' : '');
    }
    lines[5] = (lines[5] ?? '').slice(0, cols - 1);
    process.stdout.write(`${ESC}?25l${ESC}H${lines.join(`${ESC}K\r\n`)}${ESC}K${ESC}J${cursor}`);
  }

  private ask(label: string): Promise<string | null> {
    return new Promise((resolve) => {
      this.prompt = { label, text: '', done: resolve };
      this.draw();
    });
  }

  private onKey(k: string): void {
    const p = this.prompt;
    if (p) {
      for (const ch of k) {
        if (ch === '\r' || ch === '\n') { this.prompt = null; p.done(p.text); return; }
        if (ch === '\x1b' || ch === '\x03') { this.prompt = null; p.done(null); this.draw(); return; }
        if (ch === '\x7f' || ch === '\b') p.text = p.text.slice(0, -1);
        else if (ch >= ' ') p.text += ch;
      }
      this.draw();
      return;
    }
    this.message = '';
    switch (k) {
      case 'q': case '\x03': this.quit(); return;
      case 'P': this.sort = 'cpu'; break;
      case 'M': this.sort = 'mem'; break;
      case 'T': this.sort = 'time'; break;
      case 'N': this.sort = 'pid'; break;
      case 'j': this.onlyJobs = !this.onlyJobs; break;
      case 'k': void this.kill(); return;
      case ' ': case '\r': void this.refresh(); return;
      default: this.message = 'keys: P cpu  M memory  T time  N pid  j jobs only  k signal  space refresh  q quit';
    }
    this.draw();
  }

  // As top's `k`: the pid (default: the first row), then the signal (default SIGTERM).
  private async kill(): Promise<void> {
    const first = this.firstPid();
    const pidText = await this.ask(`PID to signal/kill [default pid = ${first ?? 'none'}] `);
    if (pidText === null) return;
    const pid = pidText.trim() === '' ? first : Number(pidText.trim());
    if (pid === null || !Number.isInteger(pid) || pid <= 0) {
      this.message = `Unacceptable integer: "${pidText}"`;
      this.draw();
      return;
    }
    const sigText = await this.ask(`Send pid ${pid} signal [15/sigterm] `);
    if (sigText === null) return;
    const sig = sigText.trim() === '' ? 'TERM' : /^\d+$/.test(sigText.trim()) ? Number(sigText.trim()) : sigText.trim().toUpperCase();
    try {
      const r = await this.c.signalPid(pid, sig);
      this.message = `sent ${r.signal} to ${r.pid}`;
    } catch (err) {
      this.message = `Failed signal pid '${pid}' with '${sigText.trim() || '15'}': ${(err as Error).message}`;
    }
    this.draw();
  }

  private firstPid(): number | null {
    if (!this.cur || !this.prev) return null;
    const frame = topFrame(this.prev, this.cur, { sort: this.sort, maxRows: 1, ...shownPids(this.cur, this.onlyJobs, this.filter) });
    const row = frame.trimEnd().split('\n')[7];
    return row ? Number(row.trim().split(/\s+/)[0]) : null;
  }
}

/** appinit top [-b] [-n N] [-d SECONDS] [-j] [-o FIELD] [-p PIDS] [-u USER] */
export async function topCommand(o: TopCommandOptions): Promise<number> {
  const { n, delayMs, sort } = parseOptions(o);
  const filter: TopFilter = { fixed: pidList(o.pid), euid: userFilter(o.user) };
  const c = await client();
  if (o.batch || !process.stdout.isTTY || !process.stdin.isTTY) return batch(c, n, delayMs, sort, !!o.jobs, filter);
  const screen = new Screen(c, delayMs, n, sort, !!o.jobs, filter);
  screen.start();
  return screen.done;
}

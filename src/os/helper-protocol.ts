// What appinit-supervise (native/supervise.c) says to the daemon: one JSON object per line,
// parsed here — guarded — into one versioned union. The helper outlives daemon upgrades, so a
// line from an older or newer helper must never crash the daemon: unknown events pass as
// `unknown`, a malformed line is reported and skipped.

/** The protocol this daemon speaks. A helper announces its own in `hello`. */
export const PROTOCOL_VERSION = 3;

/** Sent first on every connection. */
export interface HelloEvent {
  ev: 'hello'; pid: number; epoch: string; version: number; cgroup: string | null;
  /** Where accounting records come from: the kernel's taskstats (a root helper), or wait4 of what it reaps. */
  acct: 'taskstats' | 'wait4';
}
/** A child the helper owns, listed after hello. */
export interface ChildEvent { ev: 'child'; pid: number; start: number; leader: number; adopted: number; pgid: number; job: string }
/** A live process of a job's cgroup that the helper does not own, listed after hello: started by
 *  a helper that died before it said so, or reparented to the daemon (native/supervise.c). */
export interface MemberEvent { ev: 'member'; pid: number; start: number; ppid: number; job: string }
/** The list of children is complete. */
export interface ReadyEvent { ev: 'ready' }
/** The answer to a spawn request (`respawned`: a restart the helper made under a ticket). */
export interface SpawnedEvent {
  ev: 'spawned' | 'respawned'; seq?: number; req: string; job: string; pid: number; start: number;
  execErrno?: number; stage?: string; error?: string;
  /** The path the child failed on (stdin, stdout, stderr, tty, cwd, or the command). */
  path?: string;
}
/** A spawn that could not even fork. */
export interface SpawnErrorEvent { ev: 'spawn-error'; req: string; job: string; error: string }
/** A process reaped by the helper, with what wait4 said. */
export interface ExitEvent {
  ev: 'exit'; seq: number; respawned: number; pid: number; job: string; leader: number; adopted: number; status: number;
  start: number; end_us: number; ppid: number; pgid: number; sid: number; uid: number; gid: number; kflags: number;
  comm: string; utime_us: number;
  /** Other live processes of the job when the leader's exit was sent (adopted or in its cgroup). */
  alive?: number; stime_us: number; maxrss: number; minflt: number; majflt: number; inblock: number;
  oublock: number; nvcsw: number; nivcsw: number;
  /** 1: killed by the OOM killer (SIGKILL while its cgroup's memory.events oom_kill rose). */
  oom?: number;
}
/** One ended process of a job, as the kernel's taskstats reported it (native/taskstats.c): sent once
 *  per process when its last thread ends (threads summed), in termination order, and before its
 *  `exit` if the helper reaps it. Times in µs, memory in KiB. */
export interface TaskstatsEvent {
  ev: 'taskstats'; seq: number; pid: number; ppid: number;
  /** The job key, by fork ancestry from the job's leader or an orphan the helper adopted. */
  job: string; leader: number; threads: number; uid: number; gid: number; comm: string;
  /** Wait status form: exit code << 8, or the signal | 0x80 for a core. */
  status: number;
  /** The kernel's ac_flag: AFORK 1, ASU 2, ACORE 8, AXSIG 0x10. */
  acflag: number;
  /** tty_nr of its controlling terminal (0: none). */
  tty: number; nice: number;
  /** Start in whole seconds (the kernel's); end_us - etime_us is the exact start. */
  btime: number; etime_us: number; end_us: number; utime_us: number; stime_us: number; minflt: number; majflt: number;
  /** Integrals of resident and virtual size over CPU time, MB·µs. */
  coremem: number; virtmem: number; hiwater_rss: number; hiwater_vm: number;
  rchar: number; wchar: number; syscr: number; syscw: number; read_bytes: number; write_bytes: number;
  cancelled_write_bytes: number; nvcsw: number; nivcsw: number;
}
/** Stop / continue notifications (WUNTRACED, WCONTINUED). */
export interface StateEvent { ev: 'stopped' | 'continued'; seq?: number; pid: number; job: string; sig?: number }
/** An orphan the helper adopted as subreaper, attributed to a job. */
export interface AdoptedEvent { ev: 'adopted'; pid: number; start: number; job: string }
/** The child is blocked opening a FIFO or terminal. */
export interface OpeningEvent { ev: 'opening'; job: string; pid: number; path: string }
/** Nothing of the job is left alive. */
export interface EmptyEvent { ev: 'empty'; seq?: number; job: string }
/** Processes of a job still alive 3 s after SIGKILL (state D, uninterruptible sleep). */
export interface StuckEvent { ev: 'stuck'; job: string; pids: number[]; states: string[] }
/** What the helper dropped rather than block or grow without bound. */
export interface StatsEvent { ev: 'stats'; dropped: Record<string, number>; unacked?: number; respawnsQueued?: number }
/** Something of a spawn could not be done; the job runs anyway (e.g. limits without cgroups). */
export interface WarningEvent { ev: 'warning'; job: string; message: string }
/** The kernel dropped messages for the helper (its socket was full): ended processes without a
 *  record (exits), or forks it could not follow, in all since the helper started. */
export interface AcctLostEvent { ev: 'acct-lost'; exits: number; forks: number }
/** A managed log file was rotated. */
export interface RotatedEvent { ev: 'rotated'; file: string }
/** A message a job sent on its $NOTIFY_SOCKET (sd_notify; native/notify.c), with the sender's
 *  pid and uid as the kernel gave them. fdstore: descriptors now in the job's store. */
export interface NotifyEvent {
  ev: 'notify'; seq?: number; job: string; pid: number; uid: number;
  ready?: 1; reloading?: 1; stopping?: 1; watchdog?: 1; status?: string; mainpid?: number; errno?: number;
  /** EXTEND_TIMEOUT_USEC=: the program asks for this many more µs to become ready. */
  extend_usec?: number;
  fdstore?: number; stored?: number; refused?: number;
}
/** Anything else (a newer helper's event, or one this daemon does not act on). */
export interface UnknownEvent { ev: 'unknown'; seq?: number; name: string; raw: Record<string, unknown> }

/** Every event the helper sends. */
export type HelperEvent =
  | HelloEvent | ChildEvent | MemberEvent | ReadyEvent | SpawnedEvent | SpawnErrorEvent | ExitEvent | TaskstatsEvent | StateEvent | AdoptedEvent
  | OpeningEvent | EmptyEvent | StuckEvent | StatsEvent | WarningEvent | RotatedEvent | NotifyEvent | AcctLostEvent | UnknownEvent;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

// The fields each event must carry, and their kinds. Anything missing makes the line malformed.
const SHAPES: Record<string, Record<string, 'n' | 's'>> = {
  hello: { pid: 'n' },
  child: { pid: 'n', start: 'n', leader: 'n', job: 's' },
  member: { pid: 'n', start: 'n', ppid: 'n', job: 's' },
  ready: {},
  spawned: { req: 's', job: 's', pid: 'n', start: 'n' },
  respawned: { job: 's', pid: 'n', start: 'n' },
  'spawn-error': { req: 's', job: 's', error: 's' },
  exit: { seq: 'n', pid: 'n', job: 's', leader: 'n', status: 'n', start: 'n', end_us: 'n', utime_us: 'n', stime_us: 'n' },
  taskstats: { seq: 'n', pid: 'n', ppid: 'n', job: 's', leader: 'n', status: 'n', acflag: 'n', etime_us: 'n', end_us: 'n', utime_us: 'n', stime_us: 'n' },
  stopped: { pid: 'n', job: 's' },
  continued: { pid: 'n', job: 's' },
  adopted: { pid: 'n', job: 's' },
  opening: { job: 's', path: 's' },
  empty: { job: 's' },
  rotated: { file: 's' },
  stuck: { job: 's' },
  stats: {},
  warning: { job: 's', message: 's' },
  notify: { job: 's', pid: 'n' },
  'acct-lost': { exits: 'n', forks: 'n' },
};

/** Thrown for a line that is not a well-formed event. */
export class ProtocolError extends Error {}

/** Parses one line from the helper; throws ProtocolError for a malformed one. */
export function parseHelperLine(line: string): HelperEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new ProtocolError(`not JSON: ${line.slice(0, 200)}`);
  }
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw) || !str((raw as { ev?: unknown }).ev)) {
    throw new ProtocolError(`no event name: ${line.slice(0, 200)}`);
  }
  const o = raw as Record<string, unknown>;
  // Ids travel as numbers or strings depending on the helper's version: one kind here.
  for (const k of ['req', 'job', 'epoch']) if (num(o[k])) o[k] = String(o[k]);
  const shape = SHAPES[o.ev as string];
  if (!shape) return { ev: 'unknown', seq: num(o.seq) ? o.seq : undefined, name: o.ev as string, raw: o };
  for (const [k, kind] of Object.entries(shape)) {
    if (kind === 'n' ? !num(o[k]) : !str(o[k])) throw new ProtocolError(`${o.ev}: field ${k} missing or not a ${kind === 'n' ? 'number' : 'string'}`);
  }
  if (o.ev === 'hello') {
    // Helpers before the field existed spoke protocol 1; a version that is not a number is unknown (0).
    const version = o.version == null ? 1 : Number(o.version);
    return { ev: 'hello', pid: o.pid as number, epoch: String(o.epoch ?? ''), version: Number.isFinite(version) ? version : 0, cgroup: str(o.cgroup) ? o.cgroup : null,
      acct: o.acct === 'taskstats' ? 'taskstats' : 'wait4' };
  }
  return o as unknown as HelperEvent;
}

/** Decodes a raw wait status the way <sys/wait.h> does. */
export function decodeStatus(status: number): { code: number | null; signal: number | null; core: boolean } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null, core: false };
  return { code: null, signal: sig, core: (status & 0x80) !== 0 };
}

/** The kernel's task flags that accounting shows: PF_FORKNOEXEC (F) and PF_SUPERPRIV (S). */
export function decodeKernelFlags(kflags: number): { forkedNoExec: boolean; superuser: boolean } {
  return { forkedNoExec: (kflags & 0x40) !== 0, superuser: (kflags & 0x100) !== 0 };
}

/** What a request still waiting for the helper's answer gets when the helper goes away: the
 *  request may or may not have been carried out (a spawn may be running), so it is no answer. */
export class HelperLost extends Error {
  constructor() {
    super('the supervise helper went away');
  }
}

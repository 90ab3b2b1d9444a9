// `appinit acct`: accounting records filtered by program, command, user and time, or, with
// --summary / --by, summarised per command, user or program as `sa` does.
import { summariseRecords, type SummaryKey, type SummaryRow } from '../../core/monitor/acct-summary.js';
import { lookupUser, userId } from '../../os/proc/index.js';
import type { AcctRecord } from '../../store/records.js';
import { client, CliError, EXIT } from '../context.js';
import { EXIT_PIPE } from '../run.js';
import { formatAcct } from '../format/acct.js';
import { parseTimeArg } from '../../core/time-arg.js';
import { encodePacct } from '../../core/accounting/pacct.js';
import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';

// A new or regular file is written beside the target and renamed over it: a reader never sees
// half a file, and a failed write leaves what was there. Anything else is written through, as
// `> FILE` does: `-` is standard output, a symlink its target, a FIFO or a device itself (renamed
// over, /dev/stdout became a plain file). The count goes to stderr when the records took stdout.
async function writePacct(file: string, recs: AcctRecord[]): Promise<number> {
  if (file === '') throw new CliError('acct: --pacct expects a file name', EXIT.usage);
  const data = encodePacct(recs);
  let through = file === '-';
  if (!through) {
    try {
      through = !lstatSync(file).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`acct: --pacct: cannot write ${file}: ${(err as NodeJS.ErrnoException).code}`, EXIT.failure);
    }
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // The count is said once the records are out: `| head -c 64` took 64 bytes, not them all
    // (a reader gone ends the command quietly with 141, cli/run.ts).
    if (file === '-') {
      const err = await new Promise<Error | null | undefined>((resolve) => process.stdout.write(data, resolve));
      if (err) return EXIT.failure; // said by stdout's error handler
    } else if (through) writeFileSync(file, data);
    else {
      writeFileSync(tmp, data, { mode: 0o644 });
      renameSync(tmp, file);
    }
  } catch (err) {
    if (!through) rmSync(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_PIPE; // /dev/stdout into `| head`: as `-`
    throw new CliError(`acct: --pacct: cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.failure);
  }
  const said = `wrote ${recs.length} record${recs.length === 1 ? '' : 's'} to ${file === '-' ? 'standard output' : file} (acct_v3: lastcomm -f, sa, dump-acct read it)\n`;
  (through ? process.stderr : process.stdout).write(said);
  return EXIT.ok;
}

/** Options of `appinit acct`. */
export interface AcctCommandOptions {
  json?: boolean;
  limit?: string;
  command?: string;
  program?: string;
  summary?: boolean;
  by?: string;
  user?: string;
  since?: string;
  until?: string;
  pacct?: string;
}

const KEYS: SummaryKey[] = ['command', 'user', 'program'];

function summaryLine(r: SummaryRow): string {
  const f = (v: number, d: number, w: number): string => v.toFixed(d).padStart(w);
  return `${String(r.calls).padStart(8)} ${f(r.realSec, 2, 12)}re ${f(r.cpuSec, 2, 10)}cp ${f(r.avio, 0, 8)}avio `
    + `${f(r.avgMemKb, 0, 8)}k ${String(r.killed).padStart(6)}kill ${String(r.cores).padStart(5)}core${r.key === null ? '' : `   ${r.key}`}`;
}

/**
 * Formats a summary as `sa` prints one: the totals first, then one line per command (user,
 * program) with calls, real and CPU seconds (sa shows minutes), average block I/O per call,
 * average peak memory in KiB, and how many were killed by a signal or dumped core.
 */
export function formatAcctSummary(records: readonly AcctRecord[], by: SummaryKey = 'command'): string {
  if (records.length === 0) return 'no accounting records\n';
  const rows = summariseRecords(records, by, (uid) => lookupUser(uid)?.name);
  return `${rows.map(summaryLine).join('\n')}\n`;
}

function uidOf(user: string): number {
  const uid = userId(user);
  if (uid == null) throw new CliError(`acct: --user: no user "${user}" in /etc/passwd`, EXIT.usage);
  return uid;
}

/** appinit acct [NAME] [--json] [--limit N] [--command C] [--program P] [--user U] [--since T] [--until T] [--summary] [--by command|user|program] */
export async function acctCommand(name: string | undefined, o: AcctCommandOptions): Promise<number> {
  if (name !== undefined && o.program !== undefined && name !== o.program) throw new CliError(`acct: a NAME ("${name}") and --program ("${o.program}") disagree`, EXIT.usage);
  const by = (o.by ?? 'command') as SummaryKey;
  if (!KEYS.includes(by)) throw new CliError(`acct: --by expects one of ${KEYS.join(', ')}, got "${o.by}"`, EXIT.usage);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CliError(`acct: --limit expects a whole number above 0, got "${o.limit}"`, EXIT.usage);
  let since: number | undefined;
  let until: number | undefined;
  try {
    if (o.since !== undefined) since = parseTimeArg(o.since, 'acct: --since');
    if (o.until !== undefined) until = parseTimeArg(o.until, 'acct: --until');
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^acct: /, ''), EXIT.usage);
  }
  const uid = o.user === undefined ? undefined : uidOf(o.user);
  const c = await client();
  // `acct %3`: that job's records (as logs %3 and status %3 take a job spec).
  const job = name?.startsWith('%') ? name : undefined;
  const [got, info] = await Promise.all([c.acct({ program: job ? o.program : name ?? o.program, job, command: o.command, uid, since, until, limit }), c.info()]);
  let recs: AcctRecord[] = got;
  // Records the kernel dropped are missing from what follows: said, as lastcomm cannot.
  for (const p of info.problems ?? []) if (p.what === 'accounting') process.stderr.write(`appinit: warning: ${p.message}\n`);
  // The daemon applies uid for root only (others always get their own): never show another's.
  if (uid !== undefined) recs = recs.filter((r) => r.uid === uid);
  if (o.pacct !== undefined) return writePacct(o.pacct, recs);
  if (o.summary || o.by !== undefined) {
    process.stdout.write(o.json ? `${JSON.stringify(summariseRecords(recs, by, (u) => lookupUser(u)?.name), null, 2)}\n` : formatAcctSummary(recs, by));
  } else {
    process.stdout.write(o.json ? `${JSON.stringify(recs, null, 2)}\n` : `${formatAcct(recs)}\n`);
  }
  return EXIT.ok;
}

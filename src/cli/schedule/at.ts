// `at`, `atq`, `atrm`: one-time jobs, as Debian's at 3.2 prints them.
import { currentUmask } from '../umask.js';
import { AppinitError } from '../../client/index.js';
import { AtParseError, AtPastError, formatAtTime, isoWithOffset, parsePosixTime, PosixTimeError, resolveAt } from '../../schedule/index.js';
import { quoteArg } from '../../config/split.js';
import { client, CliError, EXIT } from '../context.js';
import { fromArg, zoneArg } from './time-args.js';
import { readInputFile, readStdin } from '../stdin.js';

/** Options of `at`. */
export interface AtOptions {
  file?: string;
  queue?: string;
  cat?: boolean;
  list?: boolean;
  remove?: boolean;
  d?: boolean;
  resolve?: boolean;
  from?: string;
  tz?: string;
  json?: boolean;
  /** -b: as batch. */
  batch?: boolean;
  /** -m: mail when done (not sent: said so). -M: never mail. */
  m?: boolean;
  M?: boolean;
  /** -v: the time first. */
  v?: boolean;
  /** -t [[CC]YY]MMDDhhmm[.SS]: POSIX's time instead of a TIMESPEC. */
  t?: string;
}

/**
 * appinit batch [-f FILE] [-q Q] [-- CMD ARGS]: `at -q b now`, as Debian's batch. The job runs once
 * the load average is below APPINIT_BATCH_LOAD (1.5), batch jobs at least APPINIT_BATCH_INTERVAL
 * (60 s) apart, as atd's -l and -b.
 */
export async function batch(rest: string[], o: AtOptions, argv: string[]): Promise<number> {
  const dd = argv.indexOf('--');
  const command = dd >= 0 ? argv.slice(dd + 1) : [];
  if (rest.length > command.length) throw new CliError(`batch: takes no time ("${rest[0]}"): it runs when the load average permits; for a batch job from a time: appinit at -q B TIME`, EXIT.usage);
  const queue = o.queue ?? 'b';
  if (queue !== 'b' && !/^[A-Z]$/.test(queue)) throw new CliError(`batch: -q ${queue}: a batch queue is b or an uppercase letter`, EXIT.usage);
  return at(['now', ...command], { ...o, queue, batch: false }, argv);
}



function timeError(e: unknown): never {
  // at prints -t's complaint without its name ("invalid date format: 13011030"); appinit's prefix stays.
  if (e instanceof AtParseError || e instanceof AtPastError || e instanceof PosixTimeError) throw new CliError(`at: ${e.message}`);
  if (e instanceof AppinitError && (e.code === 'at_garbled' || e.code === 'at_past')) throw new CliError(`at: ${e.message}`);
  throw e;
}

function jobIds(verb: string, args: string[]): number[] {
  if (args.length === 0) throw new CliError(`${verb}: name at least one job number`, EXIT.usage);
  return args.map((a) => {
    if (!/^\d+$/.test(a)) throw new CliError(`${verb}: "${a}" is not a job number`, EXIT.usage);
    return Number(a);
  });
}

/**
 * appinit at [-f FILE] [-q Q] TIMESPEC... [-- CMD ARGS]; at -c ID...; at -l; at -r ID...;
 * at --resolve TIMESPEC [--from TIME]. `argv` is the whole command line, to find `--`.
 */
export async function at(operands: string[], o: AtOptions, argv: string[]): Promise<number> {
  if (o.list) return atq(o.queue, !!o.json);
  if (o.remove || o.d) return atrm(operands);
  if (o.cat) return atCat(operands);
  const dd = argv.indexOf('--');
  const command = dd >= 0 ? argv.slice(dd + 1) : [];
  let spec = operands.slice(0, operands.length - command.length).join(' ');
  // at -b is batch: queue b, and now unless a time is given.
  if (o.batch) {
    if (o.queue != null && o.queue !== 'b' && !/^[A-Z]$/.test(o.queue)) throw new CliError(`at: -b -q ${o.queue}: a batch queue is b or an uppercase letter`, EXIT.usage);
    o = { ...o, queue: o.queue ?? 'b' };
    if (spec.trim() === '' && o.t == null) spec = 'now';
  }
  if (o.t != null && spec.trim() !== '') throw new CliError('at: Cannot give time twice (-t and a TIMESPEC)', EXIT.usage);
  if (o.t == null && spec.trim() === '') throw new CliError('at: give a TIMESPEC, like: appinit at now + 1 hour', EXIT.usage);
  const tz = zoneArg('at', o.tz);
  // The time as at reads it: -t's POSIX time, or the TIMESPEC from `from`.
  const resolveWhen = (from: Date): Date => (o.t != null ? parsePosixTime(o.t, from, tz) : resolveAt(spec, from, tz));
  if (o.resolve) {
    let when: Date;
    try {
      when = resolveWhen(fromArg('at', o.from, tz));
    } catch (e) {
      timeError(e);
    }
    process.stdout.write(`${isoWithOffset(when, tz)}\n`);
    return EXIT.ok;
  }
  if (o.from) throw new CliError('at: --from goes with --resolve only: a job is queued from now', EXIT.usage);
  if (command.length && o.file) throw new CliError('at: give the commands with -f FILE or after --, not both', EXIT.usage);
  if (o.m && o.M) throw new CliError('at: -m and -M exclude each other', EXIT.usage);
  if (o.v) {
    try {
      process.stderr.write(`${formatAtTime(resolveWhen(new Date()), tz)}\n\n`);
    } catch (e) {
      timeError(e);
    }
  }
  let script: string;
  let warned = false;
  if (command.length) script = command.map(quoteArg).join(' ') + '\n';
  else if (o.file) {
    script = readInputFile(o.file, 'at');
  } else if (process.stdin.isTTY) {
    // As at does on a terminal: the time it understood, then an `at> ` prompt per line until
    // Ctrl-D, which it echoes as <EOT>; everything on stderr.
    let when: Date;
    try {
      when = resolveWhen(new Date());
    } catch (e) {
      timeError(e);
    }
    process.stderr.write('warning: commands will be executed using /bin/sh\n');
    process.stderr.write(`at ${formatAtTime(when, tz)}\n`);
    warned = true;
    script = await promptLines('at> ');
    process.stderr.write('<EOT>\n');
  } else script = await readStdin('at: standard input');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v != null) env[k] = v;
  const c = await client();
  let job;
  try {
    job = await c.atAdd({ ...(o.t != null ? { t: o.t } : { spec }), script, cwd: process.cwd(), env, tz, queue: o.queue, umask: currentUmask() });
  } catch (e) {
    timeError(e);
  }
  // As at does: both lines on stderr, so a script's output is never mixed with them (--json: stdout).
  if (!warned) process.stderr.write('warning: commands will be executed using /bin/sh\n');
  process.stderr.write(`job ${job.id} at ${formatAtTime(new Date(job.time), tz)}\n`);
  // at -m mails the user once the job has run; appinit keeps the output instead.
  if (o.m) process.stderr.write(`appinit: at -m: no mail is sent; what job ${job.id} writes is in: appinit logs at-${job.id}\n`);
  if (o.json) process.stdout.write(JSON.stringify({ id: job.id, time: isoWithOffset(new Date(job.time), tz), queue: job.queue, user: job.user }) + '\n');
  return EXIT.ok;
}

/** Lines typed on the terminal, with `prompt` on stderr before each, until end of file (Ctrl-D). */
function promptLines(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stderr.write(prompt);
    process.stdin.setEncoding('utf8');
    // The terminal is in canonical mode: each chunk is a line (or what Ctrl-D flushed mid-line).
    process.stdin.on('data', (d: string) => {
      text += d;
      if (d.endsWith('\n')) process.stderr.write(prompt);
    });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/** appinit atq [-q Q] [--json] */
export async function atq(queue: string | undefined, json: boolean): Promise<number> {
  const c = await client();
  const jobs = (await c.atList()).filter((j) => !queue || j.queue === queue);
  if (json) {
    const rows = jobs.map((j) => ({ id: j.id, time: isoWithOffset(new Date(j.time)), queue: j.queue, user: j.user, command: j.command }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else {
    // One write, as atq's stdio buffer: `atq | head -1` ends with status 0, as Debian's atq (it was 141).
    process.stdout.write(jobs.map((j) => `${j.id}\t${formatAtTime(new Date(j.time))} ${j.queue} ${j.user}\n`).join(''));
  }
  return EXIT.ok;
}

/** appinit atrm ID... */
export async function atrm(args: string[]): Promise<number> {
  const ids = jobIds('atrm', args);
  const c = await client();
  const r = await c.atRemove(ids);
  for (const e of r.errors) process.stderr.write(`appinit: atrm: ${e.message}\n`);
  return r.errors.length ? EXIT.failure : EXIT.ok;
}

/** appinit at -c ID...: the job files. */
async function atCat(args: string[]): Promise<number> {
  const ids = jobIds('at -c', args);
  const c = await client();
  for (const id of ids) {
    try {
      process.stdout.write((await c.atShow(id)).script);
    } catch (e) {
      if (e instanceof AppinitError && e.code === 'not_found') throw new CliError(`at: ${e.message}`);
      throw e;
    }
  }
  return EXIT.ok;
}

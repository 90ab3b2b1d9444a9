// `appinit stat`: the shell chapter's monitoring commands, with their tools' layouts.
//   stat [INTERVAL [COUNT]] [-t]   vmstat [-t]: the first line since boot, later ones per interval
//   stat -s                        vmstat -s: event counters and memory statistics
//   stat -u INTERVAL [COUNT]       sar -u: CPU per interval, then the Average: line
//   stat --iostat | -c | -d        iostat (avg-cpu and devices), iostat -c, iostat -d (also --io)
import { machine, hostname, release, type } from 'node:os';
import {
  clockTime, cpuPercent, formatIostat, formatVmstat, formatVmstatCounters, iostatCpu, IOSTAT_HEADER, sarHeader, sarRow,
  sysstatBanner, vmstatCounters, vmstatTimestamp, vmstatTimestampHeader, VMSTAT_HEADER, type CpuPercent, type HostNames,
} from '../../cli/report/index.js';
import type { CpuTimes, SystemSnapshot } from '../../os/proc/types.js';
import { client, CliError, EXIT } from '../context.js';
import { localZoneAbbreviation } from '../zone-abbrev.js';

/** Options of `appinit stat`. */
export interface StatCommandOptions {
  io?: boolean;
  json?: boolean;
  timestamp?: boolean;
  stats?: boolean;
  sar?: boolean;
  iostat?: boolean;
  c?: boolean;
  d?: boolean;
}

/** Turns formatted lines back into objects named by their header (the --json form of the same numbers). */
export function linesToObjects(header: string, lines: string): Record<string, number | string>[] {
  const names = header.trim().split(/\s+/).map((n) => n.replace(/:$/, ''));
  return lines.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const vals = l.trim().split(/\s+/);
    const o: Record<string, number | string> = {};
    names.forEach((n, i) => {
      const v = vals[i] ?? '';
      o[n] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    });
    return o;
  });
}

function parseArgs(interval: string | undefined, count: string | undefined): { delayMs: number; n: number } {
  if (interval === undefined) return { delayMs: 0, n: 1 };
  const d = Number(interval);
  if (!(d > 0) || !Number.isFinite(d)) throw new CliError(`stat: INTERVAL expects seconds greater than 0 like 0.5 or 2, got "${interval}"`, EXIT.usage);
  const n = count === undefined ? Infinity : Number(count);
  if (!(n >= 1) || (Number.isFinite(n) && !Number.isInteger(n))) throw new CliError(`stat: COUNT expects a whole number of lines, got "${count}"`, EXIT.usage);
  return { delayMs: d * 1000, n };
}

function hostNames(): HostNames {
  return { sysname: type(), release: release(), nodename: hostname(), machine: machine() };
}

// The zone's abbreviation for vmstat -t's header (procps prints strftime's %Z): the zone file's,
// as the C library has it; Intl's only for a zone that has no file here.
function zoneName(at: Date): string {
  return localZoneAbbreviation(at)
    ?? new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
}

// Ends the wait between readings at once (sar's Ctrl-C prints the Average: line without delay).
let wakeUp: (() => void) | null = null;

/** Readings every delayMs (the first at once), n of them or until stopped; rates use the interval actually measured. */
async function readings(delayMs: number, n: number, each: (prev: SystemSnapshot | null, cur: SystemSnapshot, ms: number, i: number, pageSize: number, hz: number) => Promise<void>, stopped: () => boolean = () => false): Promise<void> {
  const c = await client();
  let prev: SystemSnapshot | null = null;
  let prevAt = 0;
  for (let i = 0; i < n && !stopped(); i++) {
    if (i > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, prevAt + delayMs - performance.now()));
        wakeUp = () => { clearTimeout(t); r(); };
      });
      wakeUp = null;
    }
    if (stopped()) break;
    const v = await c.snapshot(false);
    const at = performance.now();
    const ms = prev === null ? 0 : (v.snapshot.uptime - prev.uptime) * 1000; // from /proc/uptime
    await each(prev, v.snapshot, ms, i, v.pageSize, v.hz);
    prev = v.snapshot;
    prevAt = at;
  }
}

const pcJson = (time: string, p: CpuPercent) => ({ time, cpu: 'all', '%user': +p.user.toFixed(2), '%nice': +p.nice.toFixed(2), '%system': +p.system.toFixed(2), '%iowait': +p.iowait.toFixed(2), '%steal': +p.steal.toFixed(2), '%idle': +p.idle.toFixed(2) });

// sar -u: no since-boot line; each row is the interval that ended at its time; Ctrl-C (or the
// count) ends with the Average: line over the whole run, as sar does.
async function sar(interval: string | undefined, count: string | undefined, json: boolean): Promise<number> {
  if (interval === undefined) throw new CliError('stat -u: give INTERVAL [COUNT], e.g. appinit stat -u 2 3 (as sar -u 2 3)', EXIT.usage);
  const { delayMs, n } = parseArgs(interval, count);
  let first: CpuTimes | null = null;
  let last: CpuTimes | null = null;
  let stop = false;
  process.once('SIGINT', () => { stop = true; wakeUp?.(); });
  await readings(delayMs, n + 1, async (prev, cur, _ms, i) => {
    const at = new Date(cur.wallMs);
    if (i === 0) {
      first = cur.stat.total;
      if (!json) await write(`${sysstatBanner(hostNames(), at, cur.stat.cpus.length)}\n${sarHeader(clockTime(at))}`);
    } else {
      const p = cpuPercent(prev!.stat.total, cur.stat.total, true);
      await write(json ? JSON.stringify(pcJson(clockTime(at), p)) + '\n' : sarRow(clockTime(at), p));
    }
    last = cur.stat.total;
  }, () => stop);
  if (first && last && last !== first) {
    const avg = cpuPercent(first, last, true);
    await write(json ? JSON.stringify(pcJson('Average', avg)) + '\n' : sarRow('Average:', avg));
  }
  return EXIT.ok;
}

// iostat: the banner once, then per report the avg-cpu and/or device sections; since boot first.
async function iostat(interval: string | undefined, count: string | undefined, o: StatCommandOptions): Promise<number> {
  const { delayMs, n } = parseArgs(interval, count);
  const cpu = o.c || (!o.d && !o.io);
  const dev = o.d || o.io || (!o.c && o.iostat);
  await readings(delayMs, n, async (prev, cur, ms, i) => {
    if (o.json) {
      const out: Record<string, unknown> = {};
      if (cpu) out.cpu = pcJson(clockTime(new Date(cur.wallMs)), cpuPercent(prev?.stat.total ?? null, cur.stat.total, false));
      if (dev) out.devices = linesToObjects(IOSTAT_HEADER, formatIostat(prev, cur, ms).slice(IOSTAT_HEADER.length));
      return write(JSON.stringify(out) + '\n');
    }
    let text = i === 0 ? `${sysstatBanner(hostNames(), new Date(cur.wallMs), cur.stat.cpus.length)}\n` : '';
    if (cpu) text += iostatCpu(cpuPercent(prev?.stat.total ?? null, cur.stat.total, false));
    if (dev) text += formatIostat(prev, cur, ms);
    text += cpu && !dev ? '\n\n' : '\n'; // sysstat 12.6 ends an -c report with one blank line more
    await write(text);
  });
  return EXIT.ok;
}

/** appinit stat [INTERVAL [COUNT]] [-t | -s | -u | --iostat | -c | -d] [--json] */
export async function statCommand(interval: string | undefined, count: string | undefined, o: StatCommandOptions): Promise<number> {
  const modes = [o.stats, o.sar, o.iostat || o.c || o.d || o.io].filter(Boolean).length;
  if (modes > 1 || (o.timestamp && modes > 0)) throw new CliError('stat: choose one of -s (vmstat -s), -u (sar -u), --iostat/-c/-d (iostat), or vmstat lines [-t]', EXIT.usage);
  if (o.sar) return sar(interval, count, !!o.json);
  if (o.iostat || o.c || o.d || o.io) return iostat(interval, count, o);
  if (o.stats) {
    if (interval !== undefined) throw new CliError('stat -s: takes no INTERVAL (vmstat -s prints the counters once)', EXIT.usage);
    const v = await (await client()).snapshot(false);
    await write(o.json ? JSON.stringify(Object.fromEntries(vmstatCounters(v.snapshot).map(([val, name]) => [name, val]))) + '\n' : formatVmstatCounters(v.snapshot));
    return EXIT.ok;
  }
  const { delayMs, n } = parseArgs(interval, count);
  await readings(delayMs, n, async (prev, cur, ms, i, pageSize, hz) => {
    const at = new Date(cur.wallMs);
    const line = formatVmstat(prev, cur, ms, false, pageSize, hz);
    if (o.json) {
      const obj: Record<string, unknown> = linesToObjects(VMSTAT_HEADER.split('\n')[1] as string, line)[0]!;
      if (o.timestamp) obj.timestamp = vmstatTimestamp(at).trim();
      return write(JSON.stringify(obj) + '\n');
    }
    const header = i === 0 ? (o.timestamp ? vmstatTimestampHeader(zoneName(at)) : VMSTAT_HEADER) : '';
    await write(header + (o.timestamp ? line.replace(/\n$/, vmstatTimestamp(at) + '\n') : line));
  });
  return EXIT.ok;
}

// Small text helpers shared by the reports: escaping, terminal names, clock formats.
export { ttyName } from '../../os/proc/tty.js';
import type { ProcInfo } from '../../os/proc/types.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Zero-pads a non-negative integer to `n` digits (C's %0Nu). */
export function pad0(v: number, n = 2): string {
  return String(v).padStart(n, '0');
}

/** Replaces control characters with '?' as procps' escape_str does, so a name cannot move the cursor. */
export function escapeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** The command line as ps shows it: argv joined by spaces, or `[comm]` (+ ` <defunct>`) when empty. */
export function argsText(p: ProcInfo): string {
  if (p.cmdline.length > 0) return escapeText(p.cmdline.join(' ').replace(/\n/g, ' '));
  return `[${escapeText(p.comm)}]${p.state === 'Z' ? ' <defunct>' : ''}`;
}

// Whole seconds as days, hours, minutes and seconds.
function dhms(seconds: number): { dd: number; hh: number; mm: number; ss: number } {
  const t = Math.floor(seconds);
  return { dd: Math.floor(t / 86400), hh: Math.floor(t / 3600) % 24, mm: Math.floor(t / 60) % 60, ss: t % 60 };
}

/** Cumulative cpu time as ps's TIME: [dd-]hh:mm:ss. */
export function cpuTimeText(seconds: number): string {
  const { dd, hh, mm, ss } = dhms(seconds);
  return `${dd ? `${dd}-` : ''}${pad0(hh)}:${pad0(mm)}:${pad0(ss)}`;
}

/** Elapsed time as ps's ELAPSED: [[dd-]hh:]mm:ss. */
export function elapsedText(seconds: number): string {
  const { dd, hh, mm, ss } = dhms(seconds);
  return `${dd ? `${dd}-` : ''}${dd || hh ? `${pad0(hh)}:` : ''}${pad0(mm)}:${pad0(ss)}`;
}

/** STIME as procps: HH:MM if started today, MonDD if earlier this year, YYYY otherwise (local time). */
export function startTimeText(startEpochSec: number, nowMs: number): string {
  const d = new Date(startEpochSec * 1000);
  const now = new Date(nowMs);
  if (d.getFullYear() !== now.getFullYear()) return String(d.getFullYear());
  if (d.getMonth() !== now.getMonth() || d.getDate() !== now.getDate()) return `${MONTHS[d.getMonth()]}${pad0(d.getDate())}`;
  return `${pad0(d.getHours())}:${pad0(d.getMinutes())}`;
}

/** LSTART as procps: strftime "%a %b %e %H:%M:%S %Y" in local time. */
export function longStartText(startEpochSec: number): string {
  const d = new Date(startEpochSec * 1000);
  const day = String(d.getDate()).padStart(2, ' ');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${day} ${pad0(d.getHours())}:${pad0(d.getMinutes())}:${pad0(d.getSeconds())} ${d.getFullYear()}`;
}

/** Wall clock as HH:MM:SS in local time. */
export function clockText(ms: number): string {
  const d = new Date(ms);
  return `${pad0(d.getHours())}:${pad0(d.getMinutes())}:${pad0(d.getSeconds())}`;
}

/** C's "%.Nf". toFixed rounds the exact binary value too, but breaks exact ties upwards where glibc rounds to even. */
export function fixed(v: number, decimals: number): string {
  // toFixed(100) is the exact decimal expansion for every value a report shows (|v| < 1e21).
  const exact = v.toFixed(100);
  const dot = exact.indexOf('.');
  if (/^50*$/.test(exact.slice(dot + 1 + decimals))) {
    const kept = exact.slice(0, decimals === 0 ? dot : dot + 1 + decimals);
    if (Number(kept[kept.length - 1]) % 2 === 0) return kept;
  }
  return v.toFixed(decimals);
}

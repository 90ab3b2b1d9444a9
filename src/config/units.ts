// Durations and sizes as people write them in control files and read them on screen.
import { describeValue } from './describe.js';

// Units as systemd.time(7) spells time spans (`TimeoutStopSec=1min`, `2 h`, `1w`, `1h 30min`):
// one reads a unit file's values as written. `m` is minutes and `M` months, as there.
const DAY = 86_400_000;
const DURATION_UNITS: Record<string, number> = {
  us: 0.001, usec: 0.001, 'µs': 0.001,
  ms: 1, msec: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: DAY, day: DAY, days: DAY,
  w: 7 * DAY, week: 7 * DAY, weeks: 7 * DAY,
  M: 30.4375 * DAY, month: 30.4375 * DAY, months: 30.4375 * DAY,
  y: 365.25 * DAY, year: 365.25 * DAY, years: 365.25 * DAY,
};
// One or more NUMBER UNIT parts, blanks between them allowed ("1h30m", "1h 30min", "2 h"), as
// systemd takes them; compound forms let formatDuration's output read back.
// A last number without a unit is seconds, as there (`1h30` is an hour and 30 s).
const DURATION_RE = /^\s*(?:\d+(?:\.\d+)?\s*[a-zA-Zµ]+\s*)+(?:\d+(?:\.\d+)?\s*)?$/;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)/g;
const UNITS_SAID = 'units ms, s (sec), m (min), h, d, w, or systemd\'s longer names';

/** Milliseconds from "500ms", "10s", "1.5s", "5m", "1h", "2d", "1h30m", systemd's spellings
 *  ("1min", "1h 30min", "2 hours", "1w"), or a number of SECONDS. */
export function parseDuration(v: unknown): number {
  const bad = (why = '') => new Error(`expected a duration like "10s" or "1h 30min" (${UNITS_SAID})${why}, got ${describeValue(v)}`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw bad();
    return Math.round(v * 1000);
  }
  if (typeof v !== 'string') throw bad();
  // A bare number in a string means seconds too, as it would unquoted.
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  if (!DURATION_RE.test(v)) throw bad();
  let ms = 0;
  for (const m of v.matchAll(DURATION_PART)) {
    // As written, as systemd takes them: `10S` or `1MIN` is no unit there either.
    const unit = m[2] === '' ? 1000 : Object.hasOwn(DURATION_UNITS, m[2]) ? DURATION_UNITS[m[2]] : undefined;
    if (unit === undefined) throw bad(`: "${m[2]}" is not a unit`);
    ms += Number(m[1]) * unit;
  }
  return Math.round(ms);
}

// K, KB, KiB all mean 1024, as in PM2's max_memory_restart and logrotate's size: people
// who write "10MB" in a process manager's file mean what those tools mean.
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const SIZE_RE = /^(\d+(?:\.\d+)?) ?(?:([kmgt])(?:i?b)?|(b))?$/i;

/** Bytes from "100B", "512KB", "10M", "10MiB", "1GB" (all 1024-based), or an integer of bytes. */
export function parseSize(v: unknown): number {
  const bad = () => new Error(`expected a size like "10MB", got ${describeValue(v)}`);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw bad();
    return v;
  }
  if (typeof v !== 'string') throw bad();
  const m = SIZE_RE.exec(v);
  if (!m) throw bad();
  const unit = (m[2] ?? m[3] ?? '').toLowerCase();
  return Math.round(Number(m[1]) * SIZE_UNITS[unit]);
}

const trim1 = (x: number) => String(Math.round(x * 10) / 10);

/** An uptime in whole seconds, as people read it in a table: "0s" (not "0ms") for its first second. */
export function formatUptime(seconds: number): string {
  return seconds < 1 ? '0s' : formatDuration(Math.floor(seconds) * 1000);
}

/** "120ms", "3.2s", "1m30s", "1h2m", "2d3h": at most two units, for people to read. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return '-' + formatDuration(-ms);
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  if (Math.round(ms / 100) < 600) return `${trim1(ms / 1000)}s`;
  const two = (n: number, per: number, big: string, small: string) =>
    `${Math.floor(n / per)}${big}${n % per ? `${n % per}${small}` : ''}`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return two(s, 60, 'm', 's');
  const m = Math.round(ms / 60_000);
  if (m < 1440) return two(m, 60, 'h', 'm');
  return two(Math.round(ms / 3_600_000), 24, 'd', 'h');
}

/** "100B", "1.5KB", "10MB": 1024-based like parseSize, one decimal at most. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (bytes < 0) return '-' + formatSize(-bytes);
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = bytes / 1024;
  while (i < units.length - 1 && Math.round(x * 10) / 10 >= 1024) {
    x /= 1024;
    i++;
  }
  return `${trim1(x)}${units[i]}`;
}

// The local zone's abbreviation as the C library's strftime("%Z") gives it (JST, IST, CET, EDT):
// read from the zone's TZif file (tzfile(5)), as glibc does. Intl's short names are the locale's,
// and en-US has none for most zones ("GMT+9" for Asia/Tokyo), which vmstat -t never prints.
import { readFileSync } from 'node:fs';

/** The abbreviation in effect at `at` in the TZif data, or null when the data cannot say;
 *  `offset` is the zone's offset then (seconds east of UTC), for the footer's DST rule. */
export function tzifAbbreviation(data: Buffer, at: Date, offset: number): string | null {
  if (data.length < 44 || data.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = data[4];
  const counts = (o: number) => ({
    isut: data.readUInt32BE(o + 20), isstd: data.readUInt32BE(o + 24), leap: data.readUInt32BE(o + 28),
    time: data.readUInt32BE(o + 32), type: data.readUInt32BE(o + 36), char: data.readUInt32BE(o + 40),
  });
  // Version 2+ files repeat the data with 64-bit times after the first block: use that one.
  let o = 0;
  let timeSize = 4;
  let c = counts(0);
  if (version >= 0x32) {
    o = 44 + c.time * 4 + c.time + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut;
    if (data.length < o + 44 || data.toString('latin1', o, o + 4) !== 'TZif') return null;
    c = counts(o);
    timeSize = 8;
  }
  const times = o + 44;
  const idx = times + c.time * timeSize;
  const types = idx + c.time;
  const chars = types + c.type * 6;
  if (data.length < chars + c.char || c.type === 0) return null;
  const t = Math.floor(at.getTime() / 1000);
  let type = -1;
  let passed = 0; // transitions at or before t
  for (; passed < c.time; passed++) {
    const when = timeSize === 8 ? Number(data.readBigInt64BE(times + passed * 8)) : data.readInt32BE(times + passed * 4);
    if (when > t) break;
    type = data[idx + passed];
  }
  const name = (k: number): string => {
    const start = chars + data[types + k * 6 + 5];
    const end = data.indexOf(0, start);
    return data.toString('latin1', start, end < 0 || end > chars + c.char ? chars + c.char : end);
  };
  // After the last transition the footer's POSIX rule holds ("JST-9", "CET-1CEST,M3.5.0,M10.5.0/3"):
  // its names, the DST one when the offset now is not standard time's.
  const footer = version >= 0x32 ? footerRule(data, chars + c.char + c.leap * 12 + c.isstd + c.isut) : null;
  const rule = footer && passed === c.time ? ruleNames(footer) : null;
  if (rule) return rule.dst != null && offset !== rule.stdOffset ? rule.dst : rule.std;
  // Before the first transition: time type 0 (RFC 8536).
  return name(type < 0 ? 0 : type);
}

function footerRule(data: Buffer, at: number): string | null {
  if (data[at] !== 0x0a) return null;
  const end = data.indexOf(0x0a, at + 1);
  return end < 0 ? null : data.toString('latin1', at + 1, end);
}

// A POSIX TZ rule's names ("CET-1CEST,M3.5.0,M10.5.0/3": CET, CEST; "<+0530>-5:30": +0530) and
// its standard offset, seconds east of Greenwich (the rule writes it west).
function ruleNames(rule: string): { std: string; dst: string | null; stdOffset: number } | null {
  const m = /^(<[^>]+>|[A-Za-z]{3,})([-+]?\d{1,2}(?::\d{2}){0,2})(<[^>]+>|[A-Za-z]{3,})?/.exec(rule);
  if (!m) return null;
  const strip = (s: string) => s.replace(/^<|>$/g, '');
  return { std: strip(m[1]), dst: m[3] ? strip(m[3]) : null, stdOffset: -parseOffset(m[2]) };
}

function parseOffset(s: string): number {
  const sign = s.startsWith('-') ? -1 : 1;
  const [h, m = '0', sec = '0'] = s.replace(/^[-+]/, '').split(':');
  return sign * (Number(h) * 3600 + Number(m) * 60 + Number(sec));
}

/**
 * strftime's %Z of this process's local zone at `at`, as the C library reads TZ: unset, the
 * zone of /etc/localtime; a path (`:/usr/share/zoneinfo/Asia/Tokyo`), that file; a name, its
 * file; a POSIX rule (`JST-9`, `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0530>-5:30`), its standard name.
 * null when none of those says (the caller falls back to Intl).
 */
export function localZoneAbbreviation(at: Date, env: NodeJS.ProcessEnv = process.env): string | null {
  const tz = env.TZ;
  if (tz === '') return 'UTC';
  const offset = -at.getTimezoneOffset() * 60; // node reads TZ as the C library does for names and paths
  const fromFile = (path: string): string | null => {
    try { return tzifAbbreviation(readFileSync(path), at, offset); } catch { return null; }
  };
  if (tz === undefined) return fromFile('/etc/localtime');
  const t = tz.startsWith(':') ? tz.slice(1) : tz;
  if (t.startsWith('/')) return fromFile(t);
  // A name of the zone database, else a rule: its standard name (node does not follow the rule's
  // DST part, so neither does the time printed beside it).
  return (t.includes('..') ? null : fromFile(`${env.TZDIR || '/usr/share/zoneinfo'}/${t}`)) ?? ruleNames(t)?.std ?? null;
}

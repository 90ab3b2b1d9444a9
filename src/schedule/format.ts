// How scheduled times are shown: atq's ctime()-style line, and ISO 8601 with the zone's offset.
import { resolveZone, utcToZoned } from './zone.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** An instant as atq shows it, in zone tz (default $TZ / system): `Sun Nov 22 11:15:00 2026`. */
export function formatAtTime(d: Date, tz?: string): string {
  const z = utcToZoned(d, resolveZone(tz));
  return `${DAYS[z.weekday]} ${MONTHS[z.month - 1]} ${String(z.day).padStart(2, ' ')} ${two(z.hour)}:${two(z.minute)}:${two(z.second)} ${z.year}`;
}

/** An instant as ISO 8601 local time with its offset, in zone tz: `2026-11-22T11:15:00+01:00`. */
export function isoWithOffset(d: Date, tz?: string): string {
  const z = utcToZoned(d, resolveZone(tz));
  const sign = z.offset < 0 ? '-' : '+';
  const a = Math.abs(z.offset);
  // Offsets with seconds exist only before about 1900 (local mean time); keep them exact.
  const secs = a % 60 ? `:${two(a % 60)}` : '';
  const year = String(z.year).padStart(4, '0');
  return `${year}-${two(z.month)}-${two(z.day)}T${two(z.hour)}:${two(z.minute)}:${two(z.second)}${sign}${two(Math.floor(a / 3600))}:${two(Math.floor(a / 60) % 60)}${secs}`;
}

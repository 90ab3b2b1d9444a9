// Times and sizes as people read them on screen: one formatter of each for every command.
import { formatSize } from '../../config/units.js';

/** A size given in KiB as people read it: `900KB`, `1.5MB`, `2GB` (the control files' formatSize). */
export function sizeKb(kb: number): string {
  return formatSize(kb * 1024);
}

/** Seconds with two decimals and a unit: `1.25s`. */
export function secs(s: number): string {
  return `${s.toFixed(2)}s`;
}

/** Local wall-clock time `YYYY-MM-DD HH:MM:SS` from ms since the epoch. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

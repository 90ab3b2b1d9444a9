// top's cell formatters (scale_mem, scale_pcnt, scale_tics, make_str): fit a value into a
// fixed width by dropping precision or switching units, and mark truncation with '+'.
import { fixed } from './text.js';

const MEM_SUFFIX = ['', 'm', 'g', 't', 'p'];

/** top's scale_mem from KiB: plain KiB if it fits, else m/g/t/p with one decimal, else '?'. */
export function scaleMem(kib: number, width: number): string {
  let n = kib;
  for (let i = 0; i < MEM_SUFFIX.length; i++) {
    const text = i === 0 ? fixed(n, 0) : `${fixed(n, 1)}${MEM_SUFFIX[i]}`;
    if (text.length <= width) return text.padStart(width);
    n /= 1024;
  }
  return '?'.padStart(width);
}

/** top's scale_pcnt: "%#.1f" if it fits the width, else no decimals, else '?'. */
export function scalePercent(v: number, width: number): string {
  const one = fixed(v, 1);
  if (one.length <= width) return one.padStart(width);
  const none = fixed(v, 0);
  if (none.length <= width) return none.padStart(width);
  return '?'.padStart(width);
}

/** top's scale_tics for TIME+: m:ss.hh, then m:ss, then h,mm, then Nh, Nd, Nw. */
export function scaleTics(ticks: number, hz: number, width: number): string {
  let nt = Math.floor((ticks * 100) / hz);
  const cc = nt % 100;
  nt = Math.floor(nt / 100);
  const secs = nt % 60;
  nt = Math.floor(nt / 60); // minutes
  const two = (v: number): string => String(v).padStart(2, '0');
  const tries = [`${nt}:${two(secs)}.${two(cc)}`, `${nt}:${two(secs)}`];
  const hours = Math.floor(nt / 60);
  tries.push(`${hours},${two(nt % 60)}`, `${hours}h`, `${Math.floor(hours / 24)}d`, `${Math.floor(hours / 168)}w`);
  for (const t of tries) if (t.length <= width) return t.padStart(width);
  return '?'.padStart(width);
}

/** top's make_num: a right-aligned integer, cut with '+' if too wide. */
export function makeNum(v: number, width: number): string {
  const s = String(v);
  return (s.length > width ? `${s.slice(0, width - 1)}+` : s).padStart(width);
}

/** top's make_str: text cut with '+' if too wide, padded to the width unless `pad` is false. */
export function makeStr(s: string, width: number, justify: 'left' | 'right', pad = true): string {
  const cut = s.length > width ? `${s.slice(0, Math.max(0, width - 1))}+` : s;
  if (!pad) return cut;
  return justify === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

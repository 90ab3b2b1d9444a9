// procps' show_one_proc, line for line: each column has a nominal width; text that overflows
// pushes later columns right, and later padding absorbs the debt. This is what makes ps output
// recognisable (e.g. `ADDR SZ` in -l, a long PID header), so it is copied rather than redesigned.

import { cellWidth, cutToCells } from '../format/width.js';

/** How a column aligns, as procps' CF_* justification codes. */
export type Justify = 'left' | 'right' | 'user' | 'wchan' | 'unlimited';

/** One laid-out column: header, nominal width, justification and a renderer. */
export interface LayoutColumn<T> {
  header: string;
  width: number;
  justify: Justify;
  /** Text for one row; `room` is how many cells procps would let it use (it truncates itself). */
  render: (row: T, room: number) => string;
}

// procps caps the padding it can emit before one field.
const SPACE_AMOUNT = 144;

/** procps' check_header_width: the screen multiple the header needs (ps wraps to 2x, 3x width). */
export function activeColumns<T>(cols: readonly LayoutColumn<T>[], screenCols: number): number {
  if (!Number.isFinite(screenCols)) return Infinity;
  let total = 0;
  let wasNormal = 0;
  cols.forEach((c, i) => {
    const last = i === cols.length - 1;
    total += c.justify === 'unlimited' && last ? 3 : c.width;
    total += wasNormal;
    wasNormal = 1;
  });
  let active = screenCols;
  while (active < total) active += screenCols;
  return active;
}

/** Lays out one line (the header when `row` is null). */
export function layoutLine<T>(cols: readonly LayoutColumn<T>[], row: T | null, active: number): string {
  let correct = 0;
  let actual = 0;
  let dospace = 0;
  let out = '';
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i] as LayoutColumn<T>;
    const last = i === cols.length - 1;
    let room: number;
    let tmpspace = 0;
    if (!last) room = col.width;
    else {
      tmpspace = correct - actual;
      if (tmpspace < 1) {
        tmpspace = dospace;
        room = active - actual - tmpspace;
      } else room = active - Math.max(correct, actual);
    }
    if (room < 0) room = 0;
    let text = row === null ? col.header : col.render(row, room);
    let leftpad = 0;
    if (col.justify === 'right') leftpad = Math.max(0, col.width - cellWidth(text));
    else if ((col.justify === 'unlimited' || col.justify === 'wchan') && active - actual - tmpspace < 1) {
      text = cutToCells(text, 1); // procps: "oops, we (mostly) lose this column"
    }
    let space = correct - actual + leftpad;
    if (space < 1) space = dospace;
    if (space > SPACE_AMOUNT) space = SPACE_AMOUNT;
    out += ' '.repeat(space) + text;
    if (last) break;
    actual += space + cellWidth(text); // cells, as procps counts them: 日本語 takes six
    correct += col.width + 1;
    dospace = 1;
  }
  return out;
}

// Five-field cron expressions as cronie reads them: lists, ranges, steps after a range or "*",
// three-letter month and weekday names in any case, 0 and 7 both Sunday, and the lowercase
// macros. What cronie refuses is refused here too, with a message that says what would be right:
// "5/10" (a step needs a range or "*"), a step of 0, "@Daily", "Monday", values out of range.
// Stricter than Debian's cron 3.0 in three places, because there each is a silent mistake:
// a range that goes backwards ("5-1", "fri-mon": Debian runs them never), junk after a step
// ("*/2/3") and a range of ranges ("1-2-3").

/** A parsed cron expression: the allowed values of each field, and which fields start with "*". */
export interface CronExpr {
  /** the expression as written, trimmed */
  readonly source: string;
  /** @reboot: runs when the daemon starts, never by the clock */
  readonly reboot: boolean;
  /** 0-59, ascending */
  readonly minutes: readonly number[];
  /** 0-23 */
  readonly hours: readonly number[];
  /** 1-31 */
  readonly days: readonly number[];
  /** 1-12 */
  readonly months: readonly number[];
  /** 0-6, 0 = Sunday (7 is read as 0) */
  readonly weekdays: readonly number[];
  /** the minute field starts with "*" (cronie's MIN_STAR: a "wildcard" job for DST) */
  readonly minuteStar: boolean;
  /** the hour field starts with "*" (HR_STAR) */
  readonly hourStar: boolean;
  /** the day-of-month field starts with "*" (DOM_STAR: the day rule becomes AND) */
  readonly domStar: boolean;
  /** the day-of-week field starts with "*" (DOW_STAR) */
  readonly dowStar: boolean;
}

/** A cron expression cronie would refuse; `column` is 1-based in the expression. */
export class CronParseError extends Error {
  override name = 'CronParseError';
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

interface FieldSpec {
  name: string;
  plural: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
  'october', 'november', 'december'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', plural: 'minutes', min: 0, max: 59 },
  { name: 'hour', plural: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', plural: 'days of the month', min: 1, max: 31 },
  { name: 'month', plural: 'months', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', plural: 'days of the week', min: 0, max: 7, names: DAY_NAMES },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The macro names cronie knows, @reboot included. */
export const CRON_MACROS: readonly string[] = ['@reboot', ...Object.keys(MACROS)];

/** Parse a five-field expression or a macro; throws CronParseError with the column of the fault. */
export function parseCron(expr: string): CronExpr {
  const lead = expr.length - expr.trimStart().length;
  const source = expr.trim();
  if (source.startsWith('@')) return macro(source, lead);
  const fields: { text: string; col: number }[] = [];
  for (const m of source.matchAll(/\S+/g)) fields.push({ text: m[0], col: lead + m.index + 1 });
  if (fields.length !== 5) {
    const extra = fields.length > 5 ? ': cron has no seconds or year field' : '';
    const col = fields.length > 5 ? fields[5].col : lead + source.length + 1;
    throw new CronParseError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in "${source}"${extra}`,
      col,
    );
  }
  const sets = fields.map((f, i) => parseField(f.text, f.col, FIELDS[i]));
  const weekdays = [...new Set(sets[4].map((d) => d % 7))].sort((a, b) => a - b);
  return {
    source,
    reboot: false,
    minutes: sets[0],
    hours: sets[1],
    days: sets[2],
    months: sets[3],
    weekdays,
    minuteStar: fields[0].text.startsWith('*'),
    hourStar: fields[1].text.startsWith('*'),
    domStar: fields[2].text.startsWith('*'),
    dowStar: fields[4].text.startsWith('*'),
  };
}

function macro(source: string, lead: number): CronExpr {
  const [word] = source.split(/\s/, 1);
  if (!CRON_MACROS.includes(word)) {
    const lower = word.toLowerCase();
    const hint = CRON_MACROS.includes(lower)
      ? `did you mean "${lower}"? macros are lowercase`
      : `expected one of ${CRON_MACROS.join(', ')}`;
    throw new CronParseError(`unknown macro "${word}": ${hint}`, lead + 1);
  }
  if (source !== word) throw new CronParseError(`unexpected "${source.slice(word.length).trim()}" after ${word}`, lead + word.length + 2);
  if (word === '@reboot') {
    return { source, reboot: true, minutes: [], hours: [], days: [], months: [], weekdays: [],
      minuteStar: false, hourStar: false, domStar: false, dowStar: false };
  }
  // cronie marks @hourly HR_STAR (a wildcard job), @weekly DOM_STAR, @monthly and @yearly
  // DOW_STAR; "0 * * * *", "0 0 * * 0" and "0 0 1 * *" get the same flags from their "*".
  return { ...parseCron(MACROS[word]), source };
}

function parseField(text: string, col: number, f: FieldSpec): number[] {
  const on = new Set<number>();
  let pos = 0;
  for (const item of text.split(',')) {
    const at = col + pos;
    pos += item.length + 1;
    if (item === '') throw new CronParseError(`${f.name} "${text}": empty list item; remove the extra ","`, at);
    for (const v of parseItem(item, at, f)) on.add(v);
  }
  return [...on].sort((a, b) => a - b);
}

// item: "*" ["/" step] | value ["-" value ["/" step]]
function parseItem(item: string, col: number, f: FieldSpec): number[] {
  const m = /^(\*|[^-/]*)(?:-([^-/]*))?(?:\/(.*))?$/.exec(item);
  if (!m) {
    const i = item.indexOf('-', item.indexOf('-') + 1);
    throw new CronParseError(`${f.name} "${item}": unexpected "-"; a range has two ends, as in 1-5`, col + i);
  }
  const [, first, second, step] = m;
  let lo: number;
  let hi: number;
  if (first === '*') {
    if (second !== undefined) throw new CronParseError(`${f.name} "${item}": "*" is already the whole range; write "*" or a range like ${f.min}-${f.max}`, col);
    lo = f.min;
    hi = f.max;
  } else {
    lo = value(first, col, f);
    hi = second === undefined ? lo : value(second, col + first.length + 1, f);
    if (second === undefined && step !== undefined) {
      throw new CronParseError(
        `${f.name} "${item}": a step needs a range or "*" before the "/"; write "${first}-${f.max}/${step}" or "*/${step}"`,
        col + first.length,
      );
    }
    if (hi < lo) {
      throw new CronParseError(`${f.name} "${item}": the range goes backwards (${lo} to ${hi}); write the lower end first${f.max === 7 ? ' (7 is also Sunday)' : ''}`, col);
    }
  }
  let by = 1;
  if (step !== undefined) {
    const stepCol = col + item.indexOf('/') + 1;
    if (step.includes('/')) {
      throw new CronParseError(`${f.name} "${item}": unexpected "/"; one step is allowed, as in */5`, col + item.lastIndexOf('/'));
    }
    if (!/^[0-9]+$/.test(step)) throw new CronParseError(`${f.name} "${item}": expected a number after "/", as in */5`, stepCol);
    by = Number(step);
    if (by === 0) throw new CronParseError(`${f.name} "${item}": a step of 0 never advances; use 1 or more`, stepCol);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += by) out.push(v);
  return out;
}

function value(text: string, col: number, f: FieldSpec): number {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n < f.min || n > f.max) {
      const sunday = f.max === 7 ? ' (0 and 7 are Sunday)' : '';
      throw new CronParseError(`${f.name} ${n} is out of range: ${f.plural} go from ${f.min} to ${f.max}${sunday}`, col);
    }
    return n;
  }
  if (/^[a-z]+$/i.test(text)) {
    const lower = text.toLowerCase();
    if (!f.names) throw new CronParseError(`${f.name} "${text}": names are only for the month and day-of-week fields; use ${f.min}-${f.max}`, col);
    const i = f.names.indexOf(lower);
    if (i >= 0) return f.names === MONTH_NAMES ? i + 1 : i;
    const full = f.names === MONTH_NAMES ? FULL_MONTHS : FULL_DAYS;
    const j = full.indexOf(lower);
    const hint = j >= 0 ? `use the three-letter name "${f.names[j]}"` : `expected ${f.min}-${f.max} or one of ${f.names.join(', ')}`;
    throw new CronParseError(`${f.name} "${text}": ${hint}`, col);
  }
  const what = text === '' ? 'a missing number' : `"${text}"`;
  throw new CronParseError(`${f.name}: ${what} is not a number ${f.min}-${f.max}${f.names ? ' or a three-letter name' : ''}`, col);
}

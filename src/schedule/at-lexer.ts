// The tokens of an at TIMESPEC, cut as Linux at 3.2's flex scanner cuts them: case-insensitive,
// longest match wins, an earlier rule wins a tie, blanks between tokens are optional
// ("now+1hour" is three tokens) and anything else is a one-character token the grammar
// then refuses ("mins" is "min" then "s").

/** What a token is; `value` carries the number for DOW (0 = Sunday), MONTH (0 = January) and PERIOD. */
export type AtTokenKind =
  | 'NOW' | 'AM' | 'PM' | 'NOON' | 'MIDNIGHT' | 'TEATIME' | 'DOW' | 'TODAY' | 'TOMORROW' | 'NEXT'
  | 'PERIOD' | 'MONTH' | 'UTC' | 'INT1' | 'INT2' | 'INT4' | 'INT5_8' | 'INT' | 'DOTTED' | 'HYPHEN'
  | 'HOURMIN' | 'CHAR' | 'EOF';

/** The units of `now + N unit` and `next unit`. */
export type AtPeriod = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** One token with its place in the spec (0-based start). */
export interface AtToken {
  kind: AtTokenKind;
  text: string;
  start: number;
  value: number;
  period?: AtPeriod;
}

interface Rule {
  re: RegExp;
  kind: AtTokenKind;
  value?: number;
  period?: AtPeriod;
}

const PERIODS: AtPeriod[] = ['minute', 'hour', 'day', 'week', 'month', 'year'];
const DAYS = ['sun(day)?', 'mon(day)?', 'tue(sday)?', 'wed(nesday)?', 'thu(rsday)?', 'fri(day)?', 'sat(urday)?'];
const MONTHS = ['jan(uary)?', 'feb(ruary)?', 'mar(ch)?', 'apr(il)?', 'may', 'jun(e)?', 'jul(y)?', 'aug(ust)?',
  'sep(tember)?', 'oct(ober)?', 'nov(ember)?', 'dec(ember)?'];

const rule = (src: string, kind: AtTokenKind, value = 0, period?: AtPeriod): Rule => ({ re: new RegExp(src, 'iy'), kind, value, period });

// In the scanner's order, which settles ties.
const RULES: Rule[] = [
  rule('now', 'NOW'), rule('am', 'AM'), rule('pm', 'PM'), rule('noon', 'NOON'), rule('midnight', 'MIDNIGHT'),
  rule('teatime', 'TEATIME'),
  ...DAYS.map((d, i) => rule(d, 'DOW', i)),
  rule('today', 'TODAY'), rule('tomorrow', 'TOMORROW'), rule('next', 'NEXT'),
  rule('min', 'PERIOD', 0, 'minute'),
  ...PERIODS.map((p, i) => rule(`${p}(s)?`, 'PERIOD', i, p)),
  ...MONTHS.map((m, i) => rule(m, 'MONTH', i)),
  rule('utc', 'UTC'),
  rule('[0-9]{1}', 'INT1'), rule('[0-9]{2}', 'INT2'), rule('[0-9]{4}', 'INT4'), rule('[0-9]{5,8}', 'INT5_8'),
  rule('[0-9]+', 'INT'),
  rule('[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{2}([0-9]{2})?', 'DOTTED'),
  rule('[0-9]{2}([0-9]{2})?-[0-9]{1,2}-[0-9]{1,2}', 'HYPHEN'),
  rule("[012]?[0-9][:'h,.][0-9]{2}", 'HOURMIN'),
];

/** The tokens of a spec, ending with an EOF token placed after the last character. */
export function tokenize(spec: string): AtToken[] {
  const out: AtToken[] = [];
  let i = 0;
  while (i < spec.length) {
    const c = spec[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    let best: Rule | undefined;
    let len = 0;
    for (const r of RULES) {
      r.re.lastIndex = i;
      const m = r.re.exec(spec);
      if (m && m[0].length > len) {
        best = r;
        len = m[0].length;
      }
    }
    if (!best) {
      const ch = String.fromCodePoint(spec.codePointAt(i)!);
      out.push({ kind: 'CHAR', text: ch, start: i, value: 0 });
      i += ch.length;
      continue;
    }
    out.push({ kind: best.kind, text: spec.slice(i, i + len), start: i, value: best.value ?? 0, period: best.period });
    i += len;
  }
  out.push({ kind: 'EOF', text: '', start: spec.length, value: 0 });
  return out;
}

// Line timestamps: reading the prefix the supervise helper writes (to merge and filter lines by
// time) and showing it in a reader's local time. Parsing works on bytes: a log can hold millions
// of lines and a string per line would cost more than the merge itself.

/** How a program's log lines are stamped (log.timestamps). */
export type StampMode = 'iso' | 'unix' | 'none';

const DAY_MS = 86_400_000;

/**
 * Reads a line's timestamp prefix: ISO 8601 UTC `2026-12-01T22:46:57.123456Z ` (1 to 9 fraction
 * digits) or unix `1764629217.123 `. After `parse` returns true, `us` is the time in µs since
 * the epoch, `len` the prefix length (its space included) and `iso` which form it was.
 */
export class StampParser {
  us = 0;
  len = 0;
  iso = false;
  private dayKey = -1;
  private dayMs = 0;

  /** Parses the prefix of buf[start, end); false when the line has none. */
  parse(b: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n >= 22 && b[start + 4] === 45 && b[start + 10] === 84) return this.parseIso(b, start, end);
    if (n >= 12 && b[start] >= 48 && b[start] <= 57) return this.parseUnix(b, start, end);
    return false;
  }

  private parseIso(b: Buffer, p: number, end: number): boolean {
    if (b[p + 7] !== 45 || b[p + 13] !== 58 || b[p + 16] !== 58 || b[p + 19] !== 46) return false;
    const d2 = (i: number): number => {
      const x = b[p + i] - 48;
      const y = b[p + i + 1] - 48;
      return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
    };
    const yh = d2(0), yl = d2(2), mo = d2(5), d = d2(8), h = d2(11), mi = d2(14), s = d2(17);
    if (yh < 0 || yl < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return false;
    let i = p + 20;
    let frac = 0;
    let digits = 0;
    while (i < end && b[i] >= 48 && b[i] <= 57 && digits < 9) {
      frac = frac * 10 + (b[i] - 48);
      digits++;
      i++;
    }
    if (digits === 0 || i + 1 >= end || b[i] !== 90 || b[i + 1] !== 32) return false;
    const key = ((yh * 100 + yl) * 100 + mo) * 100 + d;
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dayMs = Date.UTC(yh * 100 + yl, mo - 1, d);
    }
    this.us = (this.dayMs + ((h * 60 + mi) * 60 + s) * 1000) * 1000 + Math.floor(frac * 10 ** (6 - digits));
    this.len = i + 2 - p;
    this.iso = true;
    return true;
  }

  private parseUnix(b: Buffer, p: number, end: number): boolean {
    let i = p;
    let sec = 0;
    while (i < end && b[i] >= 48 && b[i] <= 57 && i - p < 12) sec = sec * 10 + (b[i++] - 48);
    if (i - p < 9 || i >= end || b[i] !== 46) return false;
    i++;
    let frac = 0;
    let digits = 0;
    while (i < end && b[i] >= 48 && b[i] <= 57 && digits < 9) {
      frac = frac * 10 + (b[i++] - 48);
      digits++;
    }
    if (digits === 0 || i >= end || b[i] !== 32) return false;
    this.us = sec * 1e6 + Math.floor(frac * 10 ** (6 - digits));
    this.len = i + 1 - p;
    this.iso = false;
    return true;
  }
}

/** True when tz names a time zone this Node knows (IANA name or UTC). */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Shows times as `2026-12-01 23:46:57.123` in one time zone (the reader's, sent by the CLI).
 * The zone's offset is looked up once per 15 minutes of time (every zone's transitions fall on
 * such boundaries) and the date text once per second, so formatting is a few additions a line.
 */
export class StampFormatter {
  private readonly dtf: Intl.DateTimeFormat | null;
  private offsets = new Map<number, number>();
  private lastSec = NaN;
  private lastText = '';

  constructor(tz: string) {
    this.dtf = tz === 'UTC' || tz === 'Etc/UTC' ? null : new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }

  private offsetMs(sec: number): number {
    if (!this.dtf) return 0;
    const bucket = Math.floor(sec / 900);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * 900_000;
      const f: Record<string, number> = {};
      for (const part of this.dtf.formatToParts(new Date(at))) if (part.type !== 'literal') f[part.type] = Number(part.value);
      off = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - at;
      if (this.offsets.size > 4096) this.offsets.clear();
      this.offsets.set(bucket, off);
    }
    return off;
  }

  private lastBytes = Buffer.alloc(19);

  /** Writes format(us) into b at pos (23 bytes), without making a string; returns the bytes written. */
  formatInto(us: number, b: Buffer, pos: number): number {
    const ms = Math.floor(us / 1000);
    const sec = Math.floor(ms / 1000);
    if (sec !== this.lastSec) {
      this.format(us);
      this.lastBytes.write(this.lastText, 0, 'latin1');
    }
    const lb = this.lastBytes;
    for (let i = 0; i < 19; i++) b[pos + i] = lb[i];
    const m = ms - sec * 1000;
    b[pos + 19] = 46;
    b[pos + 20] = 48 + Math.floor(m / 100);
    b[pos + 21] = 48 + (Math.floor(m / 10) % 10);
    b[pos + 22] = 48 + (m % 10);
    return 23;
  }

  /** The local time of `us` (µs since the epoch), to the millisecond. */
  format(us: number): string {
    const ms = Math.floor(us / 1000);
    const sec = Math.floor(ms / 1000);
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      const local = sec * 1000 + this.offsetMs(sec);
      const day = Math.floor(local / DAY_MS);
      const t = new Date(day * DAY_MS);
      const inDay = (local - day * DAY_MS) / 1000;
      const pad = (v: number) => (v < 10 ? '0' : '') + v;
      this.lastText = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(Math.floor(inDay / 3600))}:${pad(Math.floor(inDay / 60) % 60)}:${pad(inDay % 60)}`;
    }
    const m = ms - sec * 1000;
    return `${this.lastText}.${m < 10 ? '00' : m < 100 ? '0' : ''}${m}`;
  }
}

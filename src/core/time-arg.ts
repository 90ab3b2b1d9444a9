// Time arguments (`acct --since/--until`, `logs --since`): absolute or relative, one grammar.

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/**
 * Parses a time as seconds since the epoch: ISO 8601 (`2026-11-22T10:00:00Z`), local
 * `YYYY-MM-DD` (midnight) or `YYYY-MM-DD HH:MM[:SS]`, `now`, or an age before now such as
 * `-1h`, `-30m`, `-2d` (the minus is optional). Throws an Error naming `what` otherwise.
 */
export function parseTimeArg(text: string, what: string, nowMs = Date.now()): number {
  const t = text.trim();
  if (t === 'now') return nowMs / 1000;
  const age = /^-?(\d+(?:\.\d+)?)([smhdw])$/.exec(t);
  if (age) return (nowMs - Number(age[1]) * (UNIT_MS[age[2] as string] as number)) / 1000;
  const local = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(t);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
    const date = new Date(y as number, (mo as number) - 1, d, h, mi, s);
    if (date.getMonth() === (mo as number) - 1 && date.getDate() === d) return date.getTime() / 1000;
  } else {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms) && /^\d{4}-\d\d-\d\dT/.test(t)) return ms / 1000;
  }
  throw new Error(`${what}: expected a time like 2026-11-22T10:00:00Z, "2026-11-22 10:00", 2026-11-22 or an age like -1h or -30m, got "${text}"`);
}

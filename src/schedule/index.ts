// The scheduler's pure logic: at TIMESPECs, cron expressions and crontabs, zone arithmetic.
export { resolveAt, AtParseError, AtPastError } from './atspec.js';
export { parseCron, nextRuns, CronParseError, CRON_MACROS, type CronExpr } from './cron.js';
export { parseCrontab, splitPercent, CrontabError, type Crontab, type CrontabEntry } from './crontab.js';
export { formatAtTime, isoWithOffset } from './format.js';
export { parsePosixTime, PosixTimeError } from './posix-time.js';
export { resolveZone, utcToZoned, zonedToUtc, type WallTime, type ZonedTime } from './zone.js';

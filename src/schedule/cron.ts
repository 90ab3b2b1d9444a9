// Cron schedules: parse an expression (cron-parse.ts) and list when it runs (cron-runs.ts).
// Our own matcher rather than croner: croner differs from cronie on the day rule with "*/2"
// and on which jobs count as fixed-time across a daylight-saving change (see the croner test).
export { parseCron, CronParseError, CRON_MACROS, type CronExpr } from './cron-parse.js';
export { nextRuns } from './cron-runs.js';

// Goal: finding the next run of a cron expression is at least as fast as croner and cron-parser.
// Each line times 10,000 successive next-run computations (each from the previous result, as a
// scheduler asks) for one expression and zone, and prints microseconds per computation and the
// ratio ours / reference (below 1 is faster).
// Usage: node dist/bench/cron-next.js [computations=10000]
import { performance } from 'node:perf_hooks';
import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import { nextRuns, parseCron } from '../src/schedule/cron.js';

const CASES: [expr: string, tz: string][] = [
  ['*/5 * * * *', 'UTC'],
  ['*/5 * * * *', 'Europe/Berlin'],
  ['0 9 * * 1-5', 'America/New_York'],
  ['30 2 1 * *', 'Europe/Berlin'],
  ['*/15 9-17 * * mon-fri', 'Asia/Tokyo'],
  ['30 4 1,15 * 5', 'UTC'],
];

const FROM = new Date('2026-11-22T10:00:00Z');

function time(n: number, step: (prev: Date) => Date): { us: number; last: Date } {
  let prev = FROM;
  for (let i = 0; i < 200; i++) prev = step(prev); // warm up the JIT and zone caches
  prev = FROM;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) prev = step(prev);
  return { us: ((performance.now() - t0) * 1000) / n, last: prev };
}

function main(): void {
  const n = Number(process.argv[2] ?? 10_000);
  console.log(`${n} successive next-run computations per line; µs each; ratio = ours / reference`);
  console.log(`${'expression'.padEnd(24)}${'zone'.padEnd(18)}${'ours'.padStart(8)}${'croner'.padStart(9)}${'cron-parser'.padStart(13)}${'÷croner'.padStart(9)}${'÷parser'.padStart(9)}  same last run`);
  for (const [expr, tz] of CASES) {
    const parsed = parseCron(expr);
    const ours = time(n, (prev) => nextRuns(parsed, 1, prev, tz)[0]);
    const job = new Cron(expr, { timezone: tz, paused: true, mode: '5-part', domAndDow: false });
    const croner = time(n, (prev) => job.nextRun(prev)!);
    // cron-parser is an iterator; one parse, then next() n times, which is its fastest use.
    const it = CronExpressionParser.parse(expr, { currentDate: FROM, tz });
    const parser = time(n, () => it.next().toDate());
    const same = ours.last.getTime() === croner.last.getTime() ? 'yes' : `no (croner ${croner.last.toISOString()})`;
    console.log(
      `${expr.padEnd(24)}${tz.padEnd(18)}${ours.us.toFixed(2).padStart(8)}${croner.us.toFixed(2).padStart(9)}${parser.us.toFixed(2).padStart(13)}` +
        `${(ours.us / croner.us).toFixed(2).padStart(9)}${(ours.us / parser.us).toFixed(2).padStart(9)}  ${same}`,
    );
  }
}

main();

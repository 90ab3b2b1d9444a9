// Accounting: the records table's kernel-accounting columns (records themselves are written
// by the supervisor, read through GET /v1/acct), and the service that deletes the oldest
// records beyond the limits (core/accounting/retention.ts).
import { ACCOUNTING_MIGRATIONS } from '../../core/accounting/schema.js';
import { ACCT_PRUNE_EVERY_MS, acctRetention } from '../../core/accounting/retention.js';
import { pruneRecords } from '../../store/records.js';
import type { Module } from '../modules.js';

/** Records deleted in one statement: a backlog goes in turns of the event loop, never in one long hold of the store. */
const PRUNE_BATCH = 10_000;

/** The accounting module. */
export const acctModule: Module<'accounting'> = {
  name: 'accounting',
  migrations: ACCOUNTING_MIGRATIONS,
  start(ctx) {
    // The daemon's log (its stderr), as the scheduler's notes.
    const note = ctx.log ?? ((line: string) => process.stderr.write(`appinit: ${line}\n`));
    const keep = acctRetention(process.env);
    for (const b of keep.bad) note(`accounting: ${b}`);
    let stopped = false;
    const prune = (): void => {
      if (stopped) return;
      let gone = 0;
      try {
        gone = pruneRecords(ctx.db, { max: keep.max, before: (Date.now() - keep.ageMs) / 1000 }, PRUNE_BATCH);
      } catch (err) {
        // A full disk: the next round tries again (a DELETE appends to the WAL too).
        note(`accounting: deleting old records failed: ${(err as Error).message}`);
        return;
      }
      if (gone >= PRUNE_BATCH) setImmediate(prune);
    };
    prune();
    const timer = setInterval(prune, ACCT_PRUNE_EVERY_MS);
    timer.unref();
    return { stop: () => { stopped = true; clearInterval(timer); } };
  },
};

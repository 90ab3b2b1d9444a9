// Columns the kernel's per-task records bring to the records table (tracked as the
// `accounting` module's migrations, after the store's own).

/** Migrations of the records table for kernel accounting, applied in order once each. */
export const ACCOUNTING_MIGRATIONS: string[] = [
  `ALTER TABLE records ADD COLUMN source TEXT;
   ALTER TABLE records ADD COLUMN elapsed REAL;
   ALTER TABLE records ADD COLUMN tty INTEGER;
   ALTER TABLE records ADD COLUMN rchar INTEGER;
   ALTER TABLE records ADD COLUMN wchar INTEGER;
   ALTER TABLE records ADD COLUMN avgmem INTEGER;
   ALTER TABLE records ADD COLUMN vmpeak INTEGER;
   ALTER TABLE records ADD COLUMN threads INTEGER;
   CREATE INDEX records_pid ON records(pid);`,
];

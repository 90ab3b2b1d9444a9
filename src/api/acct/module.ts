// Accounting: the records table's kernel-accounting columns (records themselves are written
// by the supervisor, read through GET /v1/acct).
import { ACCOUNTING_MIGRATIONS } from '../../core/accounting/schema.js';
import type { Module } from '../modules.js';

/** The accounting module: schema only. */
export const acctModule: Module = {
  name: 'accounting',
  migrations: ACCOUNTING_MIGRATIONS,
};

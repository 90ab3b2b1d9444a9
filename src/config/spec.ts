// What a control file says about one program, already type-checked but not defaulted:
// the readers (YAML/JSON, classic table) produce this, normalize.ts turns it into Program.
import type { Program } from './program.js';

type Given = 'name' | 'argv' | 'commandText' | 'source';
type Nested = 'backoff' | 'crashLoop' | 'log' | 'limits';

/** A program as written: the command and its origin always, every other setting optional. */
export type ProgramSpec = Pick<Program, Given> & {
  [K in Exclude<keyof Program, Given | Nested>]?: Program[K];
} & { [K in Nested]?: Partial<Program[K]> };

// Programs started without a control file (`appinit start app.js --name api`) carry this
// source, so `up` knows they are not the file's to remove, and `delete` knows it may.
import type { Program, SourcePos } from '../../config/program.js';

/** The `source.file` of an ad-hoc program. */
export const ADHOC_FILE = '<appinit start>';

/** The source position of an ad-hoc program. */
export const ADHOC_SOURCE: SourcePos = { file: ADHOC_FILE, line: 0, col: 0 };

/** True for a program started with `appinit start` rather than loaded from a file. */
export function isAdHoc(p: Program): boolean {
  return p.source?.file === ADHOC_FILE;
}

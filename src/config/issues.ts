// Every problem in a control file is collected, located and sorted, so one run of the
// loader shows them all instead of one per edit-and-retry.
import { LineCounter } from 'yaml';
import type { ConfigIssue, SourcePos } from './program.js';

/** Collects located issues for one file; offsets are 0-based indexes into its text. */
export class Reporter {
  readonly issues: ConfigIssue[] = [];
  /** Where each program's settings are, by program name then setting (see places.ts). */
  readonly places = new Map<string, Record<string, SourcePos>>();
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lines.addNewLine(i + 1);
  }

  /** The 1-based line and column of an offset. */
  pos(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, col };
  }

  /** Record a problem at `offset`; always returns undefined so readers can `return r.add(...)`. */
  add(offset: number, path: string, message: string): undefined {
    this.issues.push({ ...this.pos(offset), path, message });
    return undefined;
  }

  /** The issues in file order. */
  sorted(): ConfigIssue[] {
    return [...this.issues].sort((a, b) => a.line - b.line || a.col - b.col);
  }
}

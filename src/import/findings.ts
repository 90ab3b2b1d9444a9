// What an import could not carry over (or carried over with a difference), with the place in the
// source file that said it, so a person can decide before trusting the new control file.

/** One setting of the source file that the import dropped or changed. */
export interface Finding {
  file: string;
  line: number;
  /** The program (PM2 app or supervisord program) it belongs to; '' for the file itself. */
  program: string;
  setting: string;
  message: string;
  /** true: the setting is not in the output at all; false: it is, with the difference said. */
  dropped: boolean;
}

/** Collects findings for one source file. */
export class Findings {
  readonly list: Finding[] = [];

  /** A setting that has no appinit equivalent and is left out. */
  drop(file: string, line: number, program: string, setting: string, message: string): void {
    this.list.push({ file, line, program, setting, message, dropped: true });
  }

  /** A setting that is carried over but behaves differently under appinit. */
  note(file: string, line: number, program: string, setting: string, message: string): void {
    this.list.push({ file, line, program, setting, message, dropped: false });
  }

  /** True when some setting was left out. */
  get anyDropped(): boolean {
    return this.list.some((f) => f.dropped);
  }
}

/** `FILE:LINE: program.setting: not mapped: why` (or `note:`), one line per finding. */
export function formatFinding(f: Finding): string {
  const where = f.program ? `${f.program}.${f.setting}` : f.setting;
  return `${f.file}:${f.line}: ${where}: ${f.dropped ? 'not mapped' : 'note'}: ${f.message}`;
}

// Terminal lines for the classic table: real pseudo-terminals standing in for tty1, tty2 (via
// ttylines.py, which holds the masters as the people at those terminals would).
import { fileURLToPath } from 'node:url';
import { PythonDriver } from './driver.js';

const DRIVER = fileURLToPath(new URL('../../../test/fixtures/ttylines.py', import.meta.url));

/** N terminal lines; `paths[i]` is the device a control file names. */
export class TtyLines extends PythonDriver {
  paths: string[] = [];

  private constructor() {
    super(DRIVER);
  }

  /** Opens n pseudo-terminal pairs. */
  static async open(n: number): Promise<TtyLines> {
    const t = new TtyLines();
    t.paths = (await t.ask({ op: 'open', n })).paths as string[];
    return t;
  }

  /** Waits (bounded) for line i's screen to match; returns the match's groups (0 = whole). */
  async expect(i: number, re: RegExp, what: string, timeoutS = 10): Promise<string[]> {
    const r = await this.ask({ op: 'expect', i, re: re.source, timeout: timeoutS });
    if (!r.ok) throw new Error(`${this.paths[i]}: timed out after ${timeoutS}s waiting for ${what} (${re}); saw: ${JSON.stringify(r.buf)}`);
    return [r.match as string, ...(r.groups as string[])];
  }

  /** Types on line i. */
  async send(i: number, data: string): Promise<void> {
    await this.ask({ op: 'send', i, data });
  }

  /** Closes every line (hangup for whatever still has one open). */
  async close(): Promise<void> {
    if (this.driver.exitCode != null) return;
    await this.ask({ op: 'close' });
    this.driver.stdin.end();
  }
}

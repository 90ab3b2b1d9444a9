// Terminal lines for the classic table: real pseudo-terminals standing in for tty1, tty2 (via
// ttylines.py, which holds the masters as the people at those terminals would).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const DRIVER = fileURLToPath(new URL('../../../test/fixtures/ttylines.py', import.meta.url));

/** N terminal lines; `paths[i]` is the device a control file names. */
export class TtyLines {
  paths: string[] = [];
  private driver: ChildProcessByStdio<Writable, Readable, null>;
  private answers: ((v: Record<string, unknown>) => void)[] = [];

  private constructor() {
    this.driver = spawn('python3', [DRIVER], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.driver.stdout }).on('line', (l) => this.answers.shift()?.(JSON.parse(l)));
  }

  private ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.answers.push(resolve);
      this.driver.stdin.write(JSON.stringify(cmd) + '\n');
    });
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

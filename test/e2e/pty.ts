// A program in a real pseudo-terminal, typed into and read like a person would (via ptyctl.py).
import { fileURLToPath } from 'node:url';
import { PythonDriver } from './driver.js';

const DRIVER = fileURLToPath(new URL('../../../test/fixtures/ptyctl.py', import.meta.url));

/** A terminal running one program. */
export class Pty extends PythonDriver {
  pid = 0;

  private constructor() {
    super(DRIVER);
  }

  /** Starts argv in a new terminal of rows x cols. */
  static async spawn(argv: string[], env: NodeJS.ProcessEnv, rows = 24, cols = 80): Promise<Pty> {
    const p = new Pty();
    const r = await p.ask({ op: 'spawn', argv, env, rows, cols });
    p.pid = r.pid as number;
    return p;
  }

  /** Types text (control keys as \x03 etc.). */
  async send(data: string): Promise<void> {
    await this.ask({ op: 'send', data });
  }

  /** Waits (bounded) for the screen output to match; fails saying what was seen instead. */
  async expect(re: RegExp, what: string, timeoutS = 10): Promise<string> {
    const r = await this.ask({ op: 'expect', re: re.source, timeout: timeoutS });
    if (!r.ok) throw new Error(`terminal: timed out after ${timeoutS}s waiting for ${what} (${re}); saw: ${JSON.stringify(r.buf)}`);
    return r.match as string;
  }

  /** Resizes the terminal (the program gets SIGWINCH). */
  async resize(rows: number, cols: number): Promise<void> {
    await this.ask({ op: 'winsize', rows, cols });
  }

  /** Waits (bounded) for the program to exit; its status as a shell reports it. */
  async wait(timeoutS = 10): Promise<number> {
    const r = await this.ask({ op: 'wait', timeout: timeoutS });
    if (!r.ok) throw new Error(`terminal: the program did not exit within ${timeoutS}s; saw: ${JSON.stringify(r.buf)}`);
    const st = r.status as number;
    return st < 0 ? 128 - st : st;
  }

  /** Closes the terminal (hangup), killing what is left of the program. */
  async close(): Promise<void> {
    if (this.driver.exitCode != null) return;
    await this.ask({ op: 'hangup' });
    this.driver.stdin.end();
  }
}

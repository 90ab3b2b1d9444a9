// A python helper driven over its stdin and stdout, one JSON request and one JSON answer a line
// (ptyctl.py for a program in a terminal, ttylines.py for terminal lines).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** The base of Pty and TtyLines: starts the python script and asks it things in order. */
export class PythonDriver {
  protected driver: ChildProcessByStdio<Writable, Readable, null>;
  private answers: ((v: Record<string, unknown>) => void)[] = [];

  protected constructor(script: string) {
    this.driver = spawn('python3', [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.driver.stdout }).on('line', (l) => this.answers.shift()?.(JSON.parse(l)));
  }

  /** Sends one request and resolves with its answer. */
  protected ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.answers.push(resolve);
      this.driver.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }
}

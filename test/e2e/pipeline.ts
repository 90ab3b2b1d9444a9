// A shell pipeline with the CLI as `appinit`, as people type them (`appinit logs | head -1`).
import { spawn } from 'node:child_process';
import { CLI, type TestHome } from './harness.js';

// Runs a shell pipeline with the CLI as `appinit`; resolves with the shell's stdout, stderr and
// the CLI's exit status (PIPESTATUS[0]) and the pipeline's last command's status.
export function pipeline(h: TestHome, script: string): Promise<{ out: string; err: string; cli: number; last: number }> {
  return new Promise((resolve, reject) => {
    const sh = spawn('bash', ['-c', `appinit() { "${process.execPath}" "${CLI}" "$@"; }; ${script}; echo "status \${PIPESTATUS[*]}" >&2`], { env: h.env, cwd: h.home });
    let out = '';
    let err = '';
    sh.stdout.on('data', (d) => (out += d));
    sh.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => {
      sh.kill('SIGKILL');
      reject(new Error(`pipeline did not finish within 60 s: ${script}; stderr: ${err}`));
    }, 60_000);
    sh.on('close', () => {
      clearTimeout(t);
      const m = /status ([\d ]+)\n$/.exec(err);
      if (!m) return reject(new Error(`no status line from: ${script}; stderr: ${err}`));
      const codes = m[1].split(' ').map(Number);
      resolve({ out, err: err.slice(0, m.index), cli: codes[0], last: codes[codes.length - 1] });
    });
  });
}

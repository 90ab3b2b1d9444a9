// Keystroke round trip (key in, echo out) through `appinit run` (the same path as `fg`: the
// CLI, the supervise helper, the job's pty) against a plain pseudo-terminal running cat.
//   node dist/bench/keys.js [N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { row } from './table.js';

const N = Number(process.argv[2] ?? 300);
const KEYS = fileURLToPath(new URL('../../bench/ref/keys.py', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));

// Both terminals at once, keys alternating, so neither side gets a quieter machine.
function measure(a: string[], b: string[], env: NodeJS.ProcessEnv): [number[], number[]] {
  const r = spawnSync('python3', [KEYS, String(N), '--', ...a, '--', ...b], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`keys.py failed: ${r.stderr}`);
  const rows = r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
  return [rows.map((x) => x[0]).sort((x, y) => x - y), rows.map((x) => x[1]).sort((x, y) => x - y)];
}

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function main(): void {
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-keys-'));
  const env = { ...process.env, APPINIT_HOME: home, TERM: 'xterm' };
  try {
    // The daemon is started and settled first: the first pair's keys must not race its start (the
    // first pair of a run was timed while `appinit run` autostarted the daemon: 238 µs and a plain
    // pty's 65 µs in one run, against 43 µs and `script`'s 16 µs in the pair after it).
    spawnSync(process.execPath, [CLI, 'status'], { env, stdio: 'ignore' });
    spawnSync(process.execPath, [CLI, 'run', '--', 'true'], { env, stdio: 'ignore' });
    spawnSync('sleep', ['1']);
    console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const [plain, through] = measure(['cat'], [process.execPath, CLI, 'run', '--', 'cat'], env);
    // A relay in C (util-linux `script`: one pty in front of another) is the floor of any relay.
    const [relay, through2] = measure(['script', '-qfc', 'cat', '/dev/null'], [process.execPath, CLI, 'run', '--', 'cat'], env);
    const line = (label: string, xs: number[]) => console.log(`${label.padEnd(34)}${q(xs, 0.5).toFixed(0).padStart(8)}${q(xs, 0.9).toFixed(0).padStart(8)}${q(xs, 0.99).toFixed(0).padStart(8)}`);
    console.log(`keystroke round trip, ${N} keys (µs)   median     p90     p99`);
    line('plain pty (cat: the kernel echoes)', plain);
    line('appinit run/fg (cat)', through);
    line('script -qfc cat (a C pty relay)', relay);
    line('appinit run/fg (cat), again', through2);
    console.log(`ratio (median) to the plain pty   ${(q(through, 0.5) / q(plain, 0.5)).toFixed(2)}x; to the C relay ${(q(through2, 0.5) / q(relay, 0.5)).toFixed(2)}x`);
    row({ figure: 'keystroke round trip through appinit run/fg vs a C pty relay (script), median', appinit: `${q(through2, 0.5).toFixed(0)} µs`, reference: `script ${q(relay, 0.5).toFixed(0)} µs`,
      ratio: `${(q(through2, 0.5) / q(relay, 0.5)).toFixed(2)}x` });
    row({ figure: 'keystroke round trip through appinit run/fg, median', appinit: `${q(through, 0.5).toFixed(0)} µs`, reference: `plain pty ${q(plain, 0.5).toFixed(0)} µs`,
      ratio: `${(q(through, 0.5) / q(plain, 0.5)).toFixed(2)}x`, goal: '<= 2x' });
  } finally {
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

main();

// Keystroke round trip (key in, echo out) through `appinit run` (the same path as `fg`: the
// supervise helper holds the client's terminal and the job's pty) against a plain
// pseudo-terminal running cat, in two regimes, each in interleaved rounds:
// - warm: keys back to back (each right after the last echo), the CPUs still awake;
// - typing: keys 20 ms apart, as a person types: the CPUs are idle when a key comes, and on a VM
//   whose idle vCPUs halt, each wake-up on the way costs tens of µs.
// Beside them, in the same rounds: util-linux `script` (a C relay) and the floor of any relay,
// bench/ref/relay.c (a C relay that does nothing else, sleeping in poll() between keys). A relay
// adds two pty hops and one wake-up per direction that a plain pty does not have; the floor says
// what that costs on this machine. (Its `spin` mode, a relay that never sleeps, measured
// 1.8-2.1x warm on an idle machine and 15x at load 3: it takes a CPU from everything else.)
//   node dist/bench/keys.js [N=300] [ROUNDS=3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { row } from './table.js';

const N = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 3);
const GAP_MS = 20;
const KEYS = fileURLToPath(new URL('../../bench/ref/keys.py', import.meta.url));
const RELAY_C = fileURLToPath(new URL('../../bench/ref/relay.c', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));

// Both terminals at once, keys alternating, so neither side gets a quieter machine.
function measure(a: string[], b: string[], env: NodeJS.ProcessEnv, n: number, gap: number): [number[], number[]] {
  const args = [KEYS, String(n), ...(gap ? ['--gap', String(gap)] : []), '--', ...a, '--', ...b];
  const r = spawnSync('python3', args, { env, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`keys.py failed: ${r.stderr}`);
  const rows = r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
  return [rows.map((x) => x[0]).sort((x, y) => x - y), rows.map((x) => x[1]).sort((x, y) => x - y)];
}

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const med = (xs: number[]) => q([...xs].sort((x, y) => x - y), 0.5);
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

interface Pair { label: string; a: string; b: string; ratios: number[]; am: number[]; bm: number[] }

function main(): void {
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-keys-'));
  const env = { ...process.env, APPINIT_HOME: home, TERM: 'xterm' };
  try {
    const relay = join(home, 'relay');
    const cc = spawnSync('cc', ['-O2', '-o', relay, RELAY_C], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc bench/ref/relay.c: ${cc.stderr}`);
    // The daemon is started and settled first: the first pair's keys must not race its start (the
    // first pair of a run was timed while `appinit run` autostarted the daemon: 238 µs and a plain
    // pty's 65 µs in one run, against 43 µs and `script`'s 16 µs in the pair after it).
    spawnSync(process.execPath, [CLI, 'status'], { env, stdio: 'ignore' });
    spawnSync(process.execPath, [CLI, 'run', '--', 'true'], { env, stdio: 'ignore' });
    spawnSync('sleep', ['1']);
    const run = [process.execPath, CLI, 'run', '--', 'cat'];
    const kinds: Array<{ regime: string; n: number; gap: number; pairs: Pair[] }> = [
      { regime: 'warm', n: N, gap: 0, pairs: [
        { label: 'appinit run/fg vs plain pty', a: 'plain', b: 'appinit', ratios: [], am: [], bm: [] },
        { label: 'C relay (poll) vs plain pty', a: 'plain', b: 'relay poll', ratios: [], am: [], bm: [] },
        { label: 'appinit run/fg vs script', a: 'script', b: 'appinit', ratios: [], am: [], bm: [] },
      ] },
      { regime: `typing (keys ${GAP_MS} ms apart)`, n: Math.ceil(N / 2), gap: GAP_MS, pairs: [
        { label: 'appinit run/fg vs plain pty', a: 'plain', b: 'appinit', ratios: [], am: [], bm: [] },
        { label: 'C relay (poll) vs plain pty', a: 'plain', b: 'relay poll', ratios: [], am: [], bm: [] },
      ] },
    ];
    const argv: Record<string, string[]> = {
      plain: ['cat'], appinit: run, script: ['script', '-qfc', 'cat', '/dev/null'],
      'relay poll': [relay, 'poll', 'cat'],
    };
    console.log(`load average ${load()}`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const k of kinds) {
        console.log(`round ${round}, ${k.regime}, ${k.n} keys (µs: median p90 p99), load ${load()}`);
        for (const p of k.pairs) {
          const [a, b] = measure(argv[p.a], argv[p.b], env, k.n, k.gap);
          const f = (xs: number[]) => [0.5, 0.9, 0.99].map((x) => q(xs, x).toFixed(0)).join(' ');
          p.am.push(q(a, 0.5));
          p.bm.push(q(b, 0.5));
          p.ratios.push(q(b, 0.5) / q(a, 0.5));
          console.log(`  ${p.label.padEnd(30)} ${p.a} ${f(a)} | ${p.b} ${f(b)} | ${(q(b, 0.5) / q(a, 0.5)).toFixed(2)}x`);
        }
      }
    }
    console.log(`load average ${load()}`);
    for (const k of kinds) {
      for (const p of k.pairs) {
        const goal = p.b === 'appinit' && p.a === 'plain' ? '<= 2x' : p.b.startsWith('relay') ? 'the floor' : undefined;
        row({ figure: `keystroke round trip, ${k.regime}: ${p.label}, median of ${ROUNDS} rounds`,
          appinit: `${p.b} ${med(p.bm).toFixed(0)} µs`, reference: `${p.a} ${med(p.am).toFixed(0)} µs`,
          ratio: `${med(p.ratios).toFixed(2)}x (${range(p.ratios)})`, goal });
      }
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'down'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

main();

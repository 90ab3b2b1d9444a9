// Goal (issue 17): one CLI command costs at most 1.3x `node -e 0` (status, ps, jobs, logs -n).
// Starts a daemon in a temporary home with 50 programs, then runs each command and the
// reference `node -e 0` in interleaved rounds (so machine noise hits both alike) and prints the
// median wall time of each and its ratio to the reference's median, and the mean CPU time (user +
// system, from this process's reaped-children counters: less sensitive to a loaded machine than
// wall time), plus the floor: `node <empty CommonJS file>` (what the bundled bin's entry costs
// before its own code) and `node <floor.cjs>`, a script with nothing but node:net that sends the
// same request as `status` and prints the answer (what any node command making that call pays).
// The commands run the package's bin (dist/src/cli/appinit.cjs, the loader that compiles the
// bundle with the user's V8 code cache: here one in the temporary home, made by the warm-up run);
// `status` also runs without the code cache (APPINIT_CODE_CACHE=0: a first run) and from the ES
// module entry (main.js), which is what the bundle saves. Stops the daemon at the end.
// Usage: node dist/bench/cli.js [rounds=21] [programs=50]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { row } from './table.js';

const CLI = fileURLToPath(new URL('../src/cli/appinit.cjs', import.meta.url));
const ESM = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

// The floor of a command that asks the daemon: node, node:net, one request, the answer printed.
const FLOOR = `const s = require('node:net').connect(process.env.APPINIT_HOME + '/appinit.sock', () => s.write('GET /v1/overview HTTP/1.1\\r\\nHost: appinit\\r\\nConnection: close\\r\\n\\r\\n'));
const c = []; s.on('data', (d) => c.push(d)); s.on('end', () => process.stdout.write(Buffer.concat(c)));
`;

interface Case {
  label: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

// CPU ms of every child reaped so far: cutime + cstime of /proc/self/stat (clock ticks of 10 ms).
function childCpuMs(): number {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

function wall(argv: string[], env: NodeJS.ProcessEnv): { ms: number; cpu: number } {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpu: childCpuMs() - c0 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const rounds = Number(process.argv[2] ?? 21);
  const programs = Number(process.argv[3] ?? 50);
  const home = mkdtempSync(join(tmpdir(), 'appinit-bench-cli-'));
  const cacheHome = join(home, 'cache');
  mkdirSync(cacheHome);
  const env = { ...process.env, APPINIT_HOME: home, XDG_CACHE_HOME: cacheHome };
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  try {
    let yaml = 'programs:\n';
    for (let i = 0; i < programs; i++) yaml += `  p${i}:\n    command: sh -c 'echo line $$; exec sleep 1000'\n`;
    const file = join(home, 'bench.yaml');
    writeFileSync(file, yaml);
    const up = cli('up', file);
    if (up.status !== 0) throw new Error(`appinit up: ${up.stderr}`);
    const empty = join(home, 'empty.cjs');
    writeFileSync(empty, '');
    const floor = join(home, 'floor.cjs');
    writeFileSync(floor, FLOOR);
    const cases: Case[] = [
      { label: 'node -e 0 (reference)', argv: ['-e', '0'] },
      { label: 'node empty.cjs (floor: an entry file)', argv: [empty] },
      { label: 'node floor.cjs (floor: net + the request)', argv: [floor] },
      { label: `appinit status (${programs} programs)`, argv: [CLI, 'status'] },
      { label: 'appinit status, no code cache (a first run)', argv: [CLI, 'status'], env: { ...env, APPINIT_CODE_CACHE: '0' } },
      { label: 'appinit status, ES module entry (unbundled)', argv: [ESM, 'status'] },
      { label: 'appinit ps', argv: [CLI, 'ps'] },
      { label: 'appinit jobs', argv: [CLI, 'jobs'] },
      { label: 'appinit logs p0 -n 5', argv: [CLI, 'logs', 'p0', '-n', '5'] },
    ];
    const times = cases.map(() => [] as number[]);
    const cpu = cases.map(() => 0);
    for (const c of cases) wall(c.argv, c.env ?? env); // warm the page cache once, write the code caches
    for (let r = 0; r < rounds; r++) {
      cases.forEach((c, i) => {
        const w = wall(c.argv, c.env ?? env);
        times[i].push(w.ms);
        cpu[i] += w.cpu / rounds;
      });
    }
    const ref = median(times[0]);
    console.log(`${'command'.padEnd(44)} ${'wall median'.padStart(12)}  ratio   ${'CPU mean'.padStart(9)}  ratio   (${rounds} interleaved rounds; ratio to node -e 0)`);
    cases.forEach((c, i) => {
      const m = median(times[i]);
      console.log(`${c.label.padEnd(44)} ${m.toFixed(1).padStart(9)} ms  ${(m / ref).toFixed(2)}x  ${cpu[i].toFixed(1).padStart(6)} ms  ${(cpu[i] / cpu[0]).toFixed(2)}x`);
      if (i === 2 || (c.label.startsWith('appinit') && !c.label.includes(','))) {
        row({ figure: `${c.label}: wall (CPU)`, appinit: `${m.toFixed(0)} ms (${cpu[i].toFixed(0)} ms)`, reference: `node -e 0: ${ref.toFixed(0)} ms (${cpu[0].toFixed(0)} ms)`,
          ratio: `${(m / ref).toFixed(2)}x (${(cpu[i] / cpu[0]).toFixed(2)}x)`, goal: i === 2 ? 'the floor' : '<= 1.3x' });
      }
    });
    // The floor: what any node command that asks the daemon pays (node, node:net, one request, the
    // answer printed); what is above it is appinit's own (its code, its argument parsing, formatting).
    const above = cases.map((c, i) => ({ c, i })).filter(({ c }) => c.label.startsWith('appinit') && !c.label.includes(','))
      .map(({ c, i }) => `${c.label.replace(/^appinit /, '')} ${(cpu[i] - cpu[2]) >= 0 ? '+' : ''}${(cpu[i] - cpu[2]).toFixed(1)} ms`).join(', ');
    console.log(`floor: node floor.cjs is ${(median(times[2]) / ref).toFixed(2)}x node -e 0 in wall time, ${(cpu[2] / cpu[0]).toFixed(2)}x in CPU time; ` +
      `CPU above the floor: ${above}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    cli('down');
    rmSync(home, { recursive: true, force: true });
  }
}

main();

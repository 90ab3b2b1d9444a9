#!/usr/bin/env node
// Installs appinit as a user would, outside the repository: `npm pack`, then
// `npm install -g --prefix TMP ./appinit-*.tgz` (the registry is the only network it needs),
// then runs the installed `appinit status`, loads a program, and type-checks and runs a short
// library script against the installed package. Removes everything it made, pass or fail.
// Usage: node scripts/pack-check.mjs        (CI runs it; it takes minutes when better-sqlite3
// has no prebuilt binary for this Node and compiles from source, which needs g++ and make)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TMP = mkdtempSync(join(tmpdir(), 'appinit-pack-'));
mkdirSync(join(TMP, 'user', '.cache'), { recursive: true });
const PREFIX = join(TMP, 'prefix');
const HOME = join(TMP, 'home');
const APP = join(TMP, 'app');
const env = { ...process.env, APPINIT_HOME: HOME, PATH: `${join(PREFIX, 'bin')}:${process.env.PATH}` };
// A user's own cache directory, where the bin keeps its code cache (never in the package); npm
// keeps its HOME (its cache and configuration).
const USER = join(TMP, 'user');
const cliEnv = { ...env, XDG_CACHE_HOME: join(USER, '.cache') };

let step = '';
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: TMP, env, encoding: 'utf8', timeout: 15 * 60_000, ...opts });
  if (r.status !== 0) {
    throw new Error(`${step}: ${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r.stdout;
}
function check(ok, what) {
  if (!ok) throw new Error(`${step}: ${what}`);
}

function cleanup() {
  // The daemon of our home, its helper and anything they started (their command lines name TMP).
  if (existsSync(join(HOME, 'appinit.sock'))) spawnSync(join(PREFIX, 'bin', 'appinit'), ['down'], { env, timeout: 30_000 });
  for (const f of ['daemon.pid', 'supervise.pid']) {
    try { process.kill(Number(readFileSync(join(HOME, f), 'utf8')), 'SIGKILL'); } catch { /* gone */ }
  }
  spawnSync('pkill', ['-KILL', '-f', TMP]);
  rmSync(TMP, { recursive: true, force: true });
}

try {
  step = 'npm pack';
  run('npm', ['pack', '--pack-destination', TMP, REPO], { cwd: REPO });
  const tgz = readdirSync(TMP).find((f) => /^appinit-.*\.tgz$/.test(f));
  check(tgz, 'no appinit-*.tgz was made');
  const files = run('tar', ['tzf', join(TMP, tgz)]).split('\n');
  for (const f of ['package/dist/src/cli/main.js', 'package/dist/src/cli/appinit.cjs', 'package/dist/src/cli/appinit-cli.cjs', 'package/dist/src/cli/appinit-daemon.cjs', 'package/dist/src/client/index.js', 'package/dist/src/client/index.d.ts', 'package/native/supervise.c', 'package/scripts/build-native.mjs']) {
    check(files.includes(f), `the tarball lacks ${f}`);
  }
  check(!files.some((f) => f.startsWith('package/build/')), 'the tarball carries a built helper (it must be built at install, for the machine)');
  check(!files.some((f) => f.startsWith('package/dist/test/') || f.startsWith('package/src/')), 'the tarball carries tests or sources');
  console.log(`pack: ${tgz}, ${files.filter(Boolean).length} entries`);

  step = 'npm install -g';
  const t0 = Date.now();
  run('npm', ['install', '-g', '--prefix', PREFIX, '--no-audit', '--no-fund', join(TMP, tgz)]);
  const pkg = join(PREFIX, 'lib', 'node_modules', 'appinit');
  accessSync(join(pkg, 'build', 'appinit-supervise'), constants.X_OK);
  console.log(`install: ${((Date.now() - t0) / 1000).toFixed(0)} s, helper built at install`);

  step = 'appinit status (installed, outside the repository)';
  // (No programs: `status` prints its hint on stderr; --json answers an empty list on stdout.)
  const status = run('appinit', ['status', '--json'], { env: cliEnv });
  check(/^\[\s*\]\s*$/.test(status), `unexpected status output: ${status}`);

  step = 'the code cache (the user\'s, none in the package)';
  const again = run('appinit', ['status', '--json'], { env: cliEnv });
  check(again === status, `a second status (from the code cache) printed something else: ${again}`);
  const caches = readdirSync(join(USER, '.cache', 'appinit'));
  check(caches.some((f) => /^cli-.*-status\.cache$/.test(f)), `no status code cache in ~/.cache/appinit: ${caches.join(' ')}`);
  check(!run('find', [pkg, '-name', '*.cache']).trim(), 'a code cache was written into the package');

  step = 'appinit up';
  writeFileSync(join(TMP, 'app.yaml'), 'programs:\n  sleeper:\n    command: sleep 300\n    ready: 0\n');
  run('appinit', ['up', join(TMP, 'app.yaml')]);

  step = 'a typed library script';
  mkdirSync(join(APP, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(APP, 'node_modules', 'appinit'));
  writeFileSync(join(APP, 'package.json'), JSON.stringify({ name: 'lib-check', type: 'module', private: true }));
  const tsconfig = (skipLibCheck) => writeFileSync(join(APP, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck, types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')], outDir: 'out' },
    files: ['main.ts'],
  }));
  writeFileSync(join(APP, 'main.ts'), `import { connect, type JobView } from 'appinit';

const c = await connect({ autostart: false });
const jobs: JobView[] = await c.status();
const sleeper = jobs.find((j) => j.name === 'sleeper');
if (!sleeper || sleeper.pid == null) throw new Error('sleeper is not running: ' + JSON.stringify(jobs));
const info = await c.info();
console.log(\`\${sleeper.name} %\${sleeper.job} pid \${sleeper.pid} \${sleeper.state}; daemon \${info.pid} version \${info.version}\`);
`);
  // First as strictly as a user may check (the package's own .d.ts files too), then as
  // `tsc --init` does (skipLibCheck): the first only warns, the second must pass.
  const tsc = [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', APP];
  tsconfig(false);
  const strict = spawnSync(process.execPath, tsc, { cwd: APP, env, encoding: 'utf8' });
  if (strict.status !== 0) console.warn(`warning: the library's declarations do not check with skipLibCheck: false:\n${strict.stdout}`);
  tsconfig(true);
  run(process.execPath, tsc, { cwd: APP });
  const out = run(process.execPath, [join(APP, 'out', 'main.js')], { cwd: APP });
  check(/^sleeper %1 pid \d+ (running|starting); daemon \d+ version /.test(out), `unexpected library output: ${out}`);
  process.stdout.write(`library: ${out}`);

  step = 'appinit down';
  run('appinit', ['down']);
  console.log('pack-check: ok');
} catch (err) {
  console.error(`pack-check: FAILED at ${err.message}`);
  process.exitCode = 1;
} finally {
  cleanup();
}

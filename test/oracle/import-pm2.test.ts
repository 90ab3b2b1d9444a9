// `appinit import pm2`: the same ecosystem file run by real PM2 (node_modules/.bin/pm2, its own
// PM2_HOME) and, imported, by appinit: each program gets the same arguments, working directory,
// environment and user. `pm2 jlist` output imports to the same programs. What does not map is
// reported at its line, with exit status 3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { TestHome, waitFor } from '../e2e/harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PM2 = join(REPO, 'node_modules/.bin/pm2');
const REPORT = join(REPO, 'test/fixtures/import-report.cjs');

// One directory everyone (the `nobody` program too) can read, with a report dir anyone can write.
const dir = mkdtempSync(join(tmpdir(), 'appinit-import-pm2-'));
chmodSync(dir, 0o755);
const reports = join(dir, 'reports');
mkdirSync(reports, { mode: 0o777 });
chmodSync(reports, 0o777);
mkdirSync(join(dir, 'app', 'sub'), { recursive: true });
const script = join(dir, 'app', 'report.cjs');
copyFileSync(REPORT, script);
const shell = join(dir, 'app', 'run.sh');
// A .sh script: PM2 runs it with bash; it reports through node with its own $0 first.
writeFileSync(shell, `#!/bin/bash\nexec node ${script} "$1" "sh:$(basename "$0")" "\${@:2}"\n`, { mode: 0o755 });
const pm2Env = { ...process.env, PM2_HOME: join(dir, 'pm2home') };
const pm2 = (...args: string[]) => spawnSync(PM2, args, { env: pm2Env, cwd: join(dir, 'app'), encoding: 'utf8', timeout: 60_000 });

const eco = join(dir, 'app', 'ecosystem.config.js');
writeFileSync(eco, `// evaluated as PM2 does: computed values are fine
const path = require('path');
const common = { REPORT_DIR: ${JSON.stringify(reports)} };
module.exports = {
  apps: [
    {
      name: 'web',
      script: '../report.cjs', // relative to cwd, as PM2 reads it
      args: ['web', 'two words', '--flag'],
      cwd: path.join(__dirname, 'sub'),
      env: { ...common, FOO: 'dev', NUM: 3 },
      env_production: { FOO: 'prod', BAR: 'b' },
      kill_timeout: 3000,
      max_restarts: 5,
      min_uptime: 2000,
      restart_delay: 500,
    },
    { name: 'shell', script: 'run.sh', args: 'shell "x y" z', env: { ...common, FOO: 'sh' } },
    { name: 'nobody', script: 'report.cjs', args: 'nobody', uid: 'nobody', env: { ...common, FOO: 'n' } },
  ],
};
`);

function read(tag: string, runner: string): unknown {
  const f = join(reports, `${tag}.${runner}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

describe('import pm2 (oracle: pm2 ' + (existsSync(PM2) ? 'installed' : 'missing') + ')', () => {
  const h = new TestHome('appinit-test-import-pm2-');
  after(async () => {
    pm2('kill');
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('PM2 and appinit run the same programs from one ecosystem.config.js; jlist imports the same', async () => {
    const started = pm2('start', eco, '--env', 'production');
    assert.equal(started.status, 0, started.stderr + started.stdout);
    const tags = ['web', 'shell', 'nobody'];
    await waitFor('every PM2 app reported', () => tags.every((t) => read(t, 'pm2')), 20_000);
    const jlist = pm2('jlist');
    assert.equal(jlist.status, 0, jlist.stderr);
    writeFileSync(join(dir, 'jlist.json'), jlist.stdout);
    pm2('kill');

    const out = join(dir, 'appinit.yaml');
    const r = await h.cli(['import', 'pm2', eco, '--env', 'production', '-o', out]);
    assert.equal(r.code, 0, `every option maps (exit 0); stderr: ${r.stderr}`);
    const fromList = await h.cli(['import', 'pm2', join(dir, 'jlist.json')]);
    assert.equal(fromList.code, 0, fromList.stderr);
    const a = parse(readFileSync(out, 'utf8')).programs;
    const b = parse(fromList.stdout).programs;
    for (const t of tags) {
      assert.deepEqual(b[t].command, a[t].command, `${t}: jlist gives the same argv`);
      assert.equal(b[t].cwd, a[t].cwd, `${t}: jlist gives the same cwd`);
      assert.deepEqual(b[t].env, a[t].env, `${t}: jlist gives the same env`);
    }
    assert.deepEqual(a.web.stop, { signal: 'INT', timeout: '3s' }, 'PM2 stops with SIGINT, KILL after kill_timeout');
    assert.deepEqual(a.web.backoff, { initial: '500ms', factor: 1, max: '500ms' }, 'restart_delay is a fixed delay');
    assert.equal(a.web.ready, '2s');
    assert.deepEqual(a.web.crash_loop, { limit: 5 });
    assert.equal(a.nobody.user, 'nobody');

    const up = await h.cli(['up', out]);
    assert.equal(up.code, 0, up.stderr);
    await waitFor('every imported program reported under appinit', () => tags.every((t) => read(t, 'appinit')), 20_000);
    for (const t of tags) assert.deepEqual(read(t, 'appinit'), read(t, 'pm2'), `${t}: same args, cwd, env, uid and gid under PM2 and appinit`);
  });

  test('an option that does not map is reported at its line, and the exit status says so', async () => {
    const f = join(dir, 'app', 'unmapped.config.js');
    writeFileSync(f, [
      'module.exports = {',
      '  apps: [{',
      "    name: 'api',",
      "    script: 'report.cjs',",
      '    wait_ready: true,',
      "    exec_mode: 'cluster',",
      '    instances: 2,',
      "    cron_restart: '0 3 * * *',",
      '  }],',
      '};',
    ].join('\n'));
    const r = await h.cli(['import', 'pm2', f]);
    assert.equal(r.code, 3, `exit 3 when something was dropped; stderr: ${r.stderr}`);
    assert.match(r.stderr, /unmapped\.config\.js:5: api\.wait_ready: not mapped/);
    assert.match(r.stderr, /unmapped\.config\.js:6: api\.exec_mode: not mapped/);
    assert.match(r.stderr, /unmapped\.config\.js:8: api\.cron_restart: note: mapped to program api-cron-restart/);
    const doc = parse(r.stdout).programs;
    assert.equal(doc.api.instances, 2);
    assert.deepEqual(doc['api-cron-restart'], { command: ['appinit', 'restart', 'api'], cron: '0 3 * * *', restart: 'never' });
  });

  test('times as PM2 takes them: milliseconds or a time string ("5s", "2m")', async () => {
    const f = join(dir, 'app', 'times.config.js');
    writeFileSync(f, "module.exports = { apps: [{ name: 'api', script: 'report.cjs', min_uptime: '5s', restart_delay: '2m', kill_timeout: 3000 }] };\n");
    const r = await h.cli(['import', 'pm2', f]);
    assert.equal(r.code, 0, r.stderr);
    const api = parse(r.stdout).programs.api;
    assert.equal(api.ready, '5s');
    assert.deepEqual([api.backoff.initial, api.stop.timeout], ['2m', '3s']);
    const bad = await h.cli(['import', 'pm2', h.write('badtime.config.js', "module.exports = { apps: [{ name: 'api', script: 'report.cjs', min_uptime: 'soon' }] };\n")]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /api\.min_uptime: not mapped: expected milliseconds or a time like "5s", got "soon"/);
  });

  test('a file that is not PM2\'s changes nothing and says why', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{ "apps": [ 1 ] }');
    const r = await h.cli(['import', 'pm2', f, '-o', join(dir, 'never.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.json: expected \{ apps: \[\.\.\.\] \}/);
    assert.equal(existsSync(join(dir, 'never.yaml')), false);
  });
});
